import { spawn } from 'node:child_process';
import { join } from 'node:path';

// `onnx-workbench serve MODEL` as a child process, for measuring the view behind the real host.

export interface ServedModel {
  url: string;
  stop(): Promise<void>;
}

/** Starts the server on a model and waits for the URL it prints. */
export function serveModel(root: string, model: string, timeoutMs = 300_000): Promise<ServedModel> {
  const child = spawn(process.execPath, [join(root, 'bin', 'onnx-workbench.js'), 'serve', model], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' },
  });
  let text = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`onnx-workbench serve printed no URL in ${timeoutMs / 1000} s: ${text}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const url = / at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(text)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`onnx-workbench serve exited with ${code}: ${text}`));
    });
  });
}
