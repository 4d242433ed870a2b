import { resolve } from 'node:path';

/**
 * The model paths in an Electron process's argv (this process's, or a second instance's that
 * was forwarded to us): everything after the executable (and, when run as `electron .`, the app
 * folder) that is not a switch, resolved against that process's working folder.
 */
export function modelPathsFromArgv(argv: readonly string[], cwd: string, defaultApp: boolean): string[] {
  const args = argv.slice(defaultApp ? 2 : 1);
  const paths: string[] = [];
  let afterDashes = false;
  for (const arg of args) {
    if (!afterDashes && arg === '--') {
      afterDashes = true;
      continue;
    }
    // Chromium and the OS add switches (--no-sandbox, -psn_0_123 on old macOS): not files.
    if (!afterDashes && arg.startsWith('-')) continue;
    if (arg === '') continue;
    paths.push(resolve(cwd, arg));
  }
  return paths;
}

/** A file dropped on the window arrives as a navigation to its file:// URL; its path, if it is one. */
export function droppedFilePath(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'file:') return undefined;
  const path = decodeURIComponent(u.pathname);
  // file:///C:/x on Windows
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}
