// The Python peers of the optimizer benchmark, onnxsim and onnxslim: installed with pip into a
// virtual environment under bench-data/ (git-ignored) when python3 is there, and run as small
// scripts on model files with a time limit each. Never required: without Python, or when the
// install fails, the benchmark says why and goes on without them.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PYTHON_TOOLS = ['onnxsim', 'onnxslim'] as const;
export type PythonTool = (typeof PYTHON_TOOLS)[number];

export interface PythonPeers {
  python?: string;
  /** Why the peers are not available; absent when they are. */
  unavailable?: string;
  versions: Partial<Record<PythonTool, string>>;
}

export interface PeerRun {
  ok: boolean;
  /** Time inside the tool (Python's start and imports left out). */
  ms?: number;
  error?: string;
  note?: string;
}

const PACKAGES = ['onnxsim', 'onnxslim', 'onnx', 'onnxruntime'];
const INSTALL_TIMEOUT_MS = 15 * 60_000;

export function lastLine(e: unknown): string {
  const err = e as { stderr?: string; message?: string; killed?: boolean; signal?: string };
  if (err.killed || err.signal === 'SIGKILL') return 'timed out';
  const text = (err.stderr || err.message || String(e)).trim().split('\n').filter(Boolean);
  return (text[text.length - 1] ?? 'failed').slice(0, 300);
}

export async function py(python: string, args: string[], timeoutMs: number, cwd?: string): Promise<string> {
  const { stdout } = await run(python, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20, ...(cwd ? { cwd } : {}) });
  return stdout;
}

/** A venv with `packages`: python's path and the versions of `report`, or why it is unavailable. */
export interface Venv {
  python?: string;
  unavailable?: string;
  versions: Record<string, string>;
}

/**
 * Finds python3, makes the venv and installs `packages` with pip unless `imports` already import
 * there; says on stdout what it does. `report` names the packages whose versions are returned.
 */
export async function prepareVenv(venvDir: string, packages: readonly string[], imports: readonly string[], report: readonly string[], log: (line: string) => void): Promise<Venv> {
  try {
    await run('python3', ['--version'], { timeout: 30_000 });
  } catch (e) {
    return { unavailable: `python3 not found (${lastLine(e)})`, versions: {} };
  }
  const python = join(venvDir, 'bin', 'python');
  if (!existsSync(python)) {
    log(`creating a Python virtual environment in ${venvDir} ...`);
    try {
      await run('python3', ['-m', 'venv', venvDir], { timeout: 300_000 });
    } catch (e) {
      return { unavailable: `python3 -m venv failed: ${lastLine(e)}`, versions: {} };
    }
  }
  const versions = `import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in ${JSON.stringify(report)}}))`;
  try {
    return { python, versions: JSON.parse(await py(python, ['-c', `import ${imports.join(', ')}\n${versions}`], 120_000)) };
  } catch {
    // Not installed yet (or broken): install below.
  }
  log(`installing ${packages.join(', ')} with pip into ${venvDir} (once) ...`);
  try {
    await run(python, ['-m', 'pip', 'install', '--quiet', ...packages], { timeout: INSTALL_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
    return { python, versions: JSON.parse(await py(python, ['-c', versions], 120_000)) };
  } catch (e) {
    return { unavailable: `pip install failed: ${lastLine(e)}`, versions: {} };
  }
}

/** Finds python3, makes the venv and installs the peers as needed; says on stdout what it does. */
export async function preparePythonPeers(venvDir: string, log: (line: string) => void): Promise<PythonPeers> {
  return prepareVenv(venvDir, PACKAGES, ['onnxsim', 'onnxslim', 'onnx', 'onnxruntime'], PYTHON_TOOLS, log);
}

// Each prints one JSON line last: {"ms": ..., "note": ...}.
const SCRIPTS: Record<PythonTool, string> = {
  onnxsim: [
    'import sys, json, time, onnx, onnxsim',
    'm = onnx.load(sys.argv[1])',
    't = time.perf_counter()',
    'out, ok = onnxsim.simplify(m)',
    'ms = (time.perf_counter() - t) * 1000',
    'onnx.save(out, sys.argv[2])',
    'print(json.dumps({"ms": ms, "note": "" if ok else "onnxsim: its own check failed"}))',
  ].join('\n'),
  onnxslim: [
    'import sys, json, time, onnxslim',
    't = time.perf_counter()',
    'onnxslim.slim(sys.argv[1], sys.argv[2])',
    'ms = (time.perf_counter() - t) * 1000',
    'print(json.dumps({"ms": ms, "note": ""}))',
  ].join('\n'),
};

/** Runs one tool on `input`, writing `output`; a failure or time-out is reported, not thrown. */
export async function runPythonPeer(peers: PythonPeers, tool: PythonTool, input: string, output: string, timeoutMs: number): Promise<PeerRun> {
  if (!peers.python) return { ok: false, error: peers.unavailable ?? 'not available' };
  await rm(output, { force: true });
  try {
    const stdout = await py(peers.python, ['-c', SCRIPTS[tool], input, output], timeoutMs);
    const lines = stdout.trim().split('\n');
    const r = JSON.parse(lines[lines.length - 1]!) as { ms: number; note: string };
    return { ok: existsSync(output), ms: r.ms, ...(r.note ? { note: r.note } : {}), ...(existsSync(output) ? {} : { error: 'wrote no model' }) };
  } catch (e) {
    return { ok: false, error: lastLine(e) };
  }
}
