// `npm run dist`: packages the desktop app for this platform with electron-builder (Linux:
// AppImage + deb, macOS: dmg, Windows: nsis; see electron-builder.yml). Packaging needs
// Electron's binary, which `npm install` does not fetch here; without it this says why and exits 1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function electronMissing() {
  try {
    const binary = require('electron'); // the binary's path; throws when it was never downloaded
    return existsSync(binary) ? undefined : `Electron's binary is missing at ${binary}`;
  } catch {
    return "Electron's binary is not installed";
  }
}

const why = electronMissing();
if (why) {
  console.error(`npm run dist: ${why}, and electron-builder packages that binary; run \`npm run setup:electron\` on a machine with internet, then try again.`);
  process.exit(1);
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', '--silent', 'build']);
const platform = { darwin: '--mac', win32: '--win', linux: '--linux' }[process.platform];
if (!platform) {
  console.error(`npm run dist: electron-builder does not package for ${process.platform}`);
  process.exit(1);
}
run(process.execPath, [require.resolve('electron-builder/cli.js'), platform, '--publish', 'never', ...process.argv.slice(2)]);
