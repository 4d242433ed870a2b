import { spawn } from 'node:child_process';

/** The command that opens a URL in the desktop's browser, or why there is none. */
export function browserOpener(platform = process.platform, env = process.env): { command: string; args: string[] } | { none: string } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { none: 'no desktop session (DISPLAY and WAYLAND_DISPLAY are unset)' };
  return { command: 'xdg-open', args: [] };
}

/**
 * Opens `url` in the user's browser. Resolves to undefined when the opener started, or to one
 * line saying why no browser could be opened (the caller prints it beside the URL).
 */
export function openBrowser(url: string): Promise<string | undefined> {
  const opener = browserOpener();
  if ('none' in opener) return Promise.resolve(`not opening a browser: ${opener.none}`);
  return new Promise((resolve) => {
    const child = spawn(opener.command, [...opener.args, url], { stdio: 'ignore', detached: true, windowsHide: true });
    child.once('error', (e) => resolve(`could not open a browser (${opener.command}: ${e.message})`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
