// How the service starts a runtime host and talks to it. Node forks a child process; Electron
// plugs in a launcher built on utilityProcess.fork (same message shapes, same host-main.js).

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FromHost, ToHost } from './host-protocol.js';

/** A started host process as the service sees it. */
export interface HostChannel {
  send(message: ToHost): void;
  /**
   * Sends a client's socket with the message; this process keeps its own copy open (to answer 503
   * on it if the host dies). Absent where the transport cannot carry sockets (Electron's utility process).
   */
  sendSocket?(message: ToHost, socket: Socket): void;
  onMessage(fn: (message: FromHost) => void): void;
  /** Called once when the process ends, for whatever reason. */
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  /** Ends the process now (SIGKILL: a hung native call ignores anything gentler). */
  kill(): void;
  /** The last lines the host wrote to stderr (onnxruntime's own messages), for error reports. */
  stderrTail(): string;
}

export type HostLauncher = () => HostChannel;

/** The compiled host entry: beside this file in dist/, or dist/ from the sources (tests). */
export function hostScriptPath(): string {
  const here = fileURLToPath(new URL('./host-main.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../dist/electron/runtime-host/host-main.js', import.meta.url));
}

const STDERR_KEEP = 4096;

/** Starts host-main.js as a forked Node process ('advanced' serialization: typed arrays cross as they are). */
export function forkLauncher(options: { script?: string; env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): HostLauncher {
  return () => {
    const child = fork(options.script ?? hostScriptPath(), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: options.env ?? process.env,
      execArgv: options.execArgv ?? [],
    });
    let tail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-STDERR_KEEP);
    });
    // A send to a host that just died fails asynchronously; the exit handler reports it.
    child.on('error', () => undefined);
    return {
      send: (m) => {
        if (child.connected) child.send(m);
      },
      sendSocket: (m, socket) => {
        if (child.connected) child.send(m, socket, { keepOpen: true });
      },
      onMessage: (fn) => child.on('message', (m) => fn(m as FromHost)),
      onExit: (fn) => child.once('exit', (code, signal) => fn(code, signal)),
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      stderrTail: () => tail,
    };
  };
}

/** What a launcher needs of an Electron UtilityProcess (typed here so that this file does not import electron). */
export interface UtilityProcessLike {
  postMessage(message: unknown): void;
  on(event: 'message', fn: (message: unknown) => void): unknown;
  on(event: 'exit', fn: (code: number) => void): unknown;
  kill(): boolean;
  readonly stderr: NodeJS.ReadableStream | null;
}

/**
 * A launcher for Electron: pass `(path, args, options) => utilityProcess.fork(path, args, options)`.
 * A utility process reports only an exit code, so a crash reads as "exited with code N".
 * Not exercised by the tests here (no Electron binary in CI); the protocol is the same as forkLauncher's.
 */
export function utilityProcessLauncher(fork: (modulePath: string, args: string[], options: { serviceName: string; stdio: 'pipe' }) => UtilityProcessLike, script = hostScriptPath()): HostLauncher {
  return () => {
    const child = fork(script, [], { serviceName: 'onnx-workbench runtime host', stdio: 'pipe' });
    let tail = '';
    let alive = true;
    child.stderr?.on('data', (chunk: Buffer | string) => {
      tail = (tail + chunk.toString()).slice(-STDERR_KEEP);
    });
    child.on('exit', () => (alive = false));
    return {
      send: (m) => alive && child.postMessage(m),
      onMessage: (fn) => child.on('message', (m) => fn(m as FromHost)),
      onExit: (fn) => child.on('exit', (code) => fn(code, null)),
      kill: () => {
        if (alive) child.kill();
      },
      stderrTail: () => tail,
    };
  };
}
