import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder where the workbench keeps what it remembers between starts outside Electron (the
 * browser host, the CLI): ONNX_WORKBENCH_CONFIG_DIR when set, else the platform's per-user
 * settings folder. The Electron shell uses its own user-data folder instead.
 */
export function settingsDir(): string {
  const own = process.env.ONNX_WORKBENCH_CONFIG_DIR;
  if (own) return own;
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'onnx-workbench');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'onnx-workbench');
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'onnx-workbench');
}
