/** The scheme the renderer is served from (a privileged, standard scheme; see app-protocol.ts). */
export const APP_SCHEME = 'app';
/** The host of the renderer's URLs. */
export const APP_HOST = 'workbench';
/** The page a window loads. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Whether a URL is one of the app's own pages (IPC is answered only for those). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * The file an app:// URL asks for, relative to the renderer folder ('/'-separated), or undefined
 * for URLs that are not ours or that try to leave the folder.
 */
export function appUrlFile(url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  const parts = path.split('/').filter((p) => p !== '');
  if (path.includes('\0') || path.includes('\\') || parts.some((p) => p === '..' || p === '.')) return undefined;
  return parts.length ? parts.join('/') : 'index.html';
}
