import { session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isAppUrl } from './app-url.js';
import { droppedFilePath } from './command-line.js';

/**
 * Locks down every web contents the app creates: no navigation away from the app (a file
 * dropped on the window arrives as a navigation to its file:// URL and is handed to `onDrop`
 * instead), no new windows, no <webview>, no permissions (camera, notifications, ...).
 */
export function hardenWebContents(contents: WebContents, onDrop: (path: string) => void): void {
  // loadURL and reload do not pass through here; every navigation the page starts does.
  const block = (event: { preventDefault(): void }, url: string) => {
    event.preventDefault();
    const dropped = droppedFilePath(url);
    if (dropped) onDrop(dropped);
  };
  contents.on('will-navigate', (event) => block(event, event.url));
  contents.on('will-redirect', (event) => block(event, event.url));
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Denies every permission request and check, for the default session. */
export function denyPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/**
 * Whether an IPC call comes from a window's main frame showing the app's own page (not an
 * iframe, not a page that got there some other way), and from a window this app made.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, isOurWindow: (contents: WebContents) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  return isAppUrl(frame.url) && isOurWindow(event.sender);
}
