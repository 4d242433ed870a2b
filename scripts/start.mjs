// `npm start [-- MODEL]`: opens the workbench on MODEL (the bundled sample by default).
// Uses the Electron window where its binary is installed; otherwise says so in one line and
// starts the browser host on 127.0.0.1 (`onnx-workbench serve --open`), which prints the URL and
// opens a browser when there is a desktop to open one on.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
// npm runs scripts in the package folder; a relative MODEL means the folder npm was run from.
const model = process.argv[2] === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2]);

// Build first, so a pulled change is what runs (the CLI, the shell and the renderer).
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) process.exit(build.status ?? 1);

function electronBinary() {
  try {
    const path = require('electron'); // the binary's path; throws when the download never happened
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const forward = (child) => {
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
};

const electron = electronBinary();
if (electron) {
  forward(spawn(electron, [root, ...(model ? [model] : [])], { stdio: 'inherit' }));
} else {
  console.log("onnx-workbench: Electron's binary is not installed (`npm run setup:electron` fetches it); starting the browser host instead.");
  forward(spawn(process.execPath, [`${root}bin/onnx-workbench.js`, 'serve', ...(model ? [model] : []), '--open'], { stdio: 'inherit' }));
}
