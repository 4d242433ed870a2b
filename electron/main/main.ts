// The Electron main process: `electron .` (npm start) or the packaged app. Opens each model given
// on the command line or by the OS in its own window (the bundled sample when none is given);
// a second launch hands its files to the running instance.
import { app } from 'electron';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { modelPathsFromArgv } from './command-line.js';
import { denyPermissions, hardenWebContents } from './window-security.js';
import { appPaths, WorkbenchApp } from './workbench-app.js';

// Tests (and users who keep several profiles) point the settings folder elsewhere; this must
// happen before the single-instance lock, which lives in that folder.
if (process.env.ONNX_WORKBENCH_USER_DATA) app.setPath('userData', process.env.ONNX_WORKBENCH_USER_DATA);
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const defaultApp = Boolean(process.defaultApp);
  const pending: string[] = [];
  let shell: WorkbenchApp | undefined;
  const open = (path: string) => (shell ? shell.open(path) : pending.push(path));

  // macOS delivers files opened from Finder (and the file association) as events, maybe before ready.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    open(path);
  });
  app.on('second-instance', (_event, argv, cwd) => {
    const paths = modelPathsFromArgv(argv, cwd, defaultApp);
    if (paths.length === 0) shell?.focus();
    paths.forEach(open);
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, open));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (shell && shell.windowCount === 0) shell.openEmpty();
  });
  app.on('will-quit', () => void shell?.dispose());

  void app.whenReady().then(async () => {
    const paths = appPaths();
    denyPermissions();
    serveRenderer(paths.rendererDir);
    shell = await WorkbenchApp.create(paths);
    const models = [...modelPathsFromArgv(process.argv, process.cwd(), defaultApp), ...pending.splice(0)];
    if (models.length === 0) models.push(paths.sample);
    models.forEach((p) => shell!.open(p));
  });
}
