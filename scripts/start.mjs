// `npm start [-- MODEL]`: opens the workbench on MODEL (the bundled sample by default).
// Uses the Electron window where its binary is installed; otherwise says so in one line and
// starts the browser host on 127.0.0.1, opening a browser when one is available.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const model = process.argv[2];

// Build first, so a pulled change is what runs (tsc is quick on this tree).
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

function electronBinary() {
  try {
    return require('electron'); // the binary's path; throws when the download never happened
  } catch {
    return undefined;
  }
}

const electron = electronBinary();
const mainScript = `${root}dist/electron/main/main.js`;
if (electron && existsSync(mainScript)) {
  const child = spawn(electron, [mainScript, ...(model ? [model] : [])], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = electron
    ? 'the desktop shell is not part of this build yet'
    : "Electron's binary is not installed (run `npm run setup:electron` on a machine with internet)";
  console.log(`onnx-workbench: ${why}; starting the browser host instead.`);
  const server = spawn(process.execPath, [`${root}bin/onnx-workbench.js`, 'serve', ...(model ? [model] : [])], {
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  server.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(String(chunk))?.[1];
    if (url && process.env.DISPLAY) {
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
    }
  });
  server.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
}
