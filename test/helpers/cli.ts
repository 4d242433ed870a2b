import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/onnx-workbench.js');

/** Builds dist/ when it is missing (`npm test` builds first; a lone vitest run may not have). */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/electron/cli/main.js'))) execSync('npm run build', { cwd: ROOT, stdio: 'pipe' });
}

/** Runs the built CLI as a user would; `lines` are stderr's non-empty lines. */
export function runCli(...args: string[]): { code: number; out: string; err: string; lines: string[] } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, lines: r.stderr.split('\n').filter((l) => l !== '') };
}
