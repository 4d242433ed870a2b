import { basename } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';

/** What the menu's items do; the shell supplies them. */
export interface MenuActions {
  open(): void;
  openRecent(path: string): void;
  clearRecent(): void;
}

export interface MenuOptions {
  recent: readonly string[];
  isMac: boolean;
  /** Development build: adds developer tools. */
  dev: boolean;
  appName: string;
}

/** Label of a recent file: its name, and its folder to tell same-named files apart. */
export function recentLabel(path: string): string {
  return `${basename(path)} — ${path}`;
}

/** The application menu: File (Open…, Open Recent, Close), Edit, View (Reload, DevTools in dev), Window. */
export function menuTemplate(options: MenuOptions, actions: MenuActions): MenuItemConstructorOptions[] {
  const recent: MenuItemConstructorOptions[] = options.recent.length
    ? [
        ...options.recent.map((path): MenuItemConstructorOptions => ({ label: recentLabel(path), click: () => actions.openRecent(path) })),
        { type: 'separator' },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No Recent Files', enabled: false }];
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
      { label: 'Open Recent', submenu: recent },
      { type: 'separator' },
      { role: 'close', label: 'Close Window' },
      ...(options.isMac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { role: 'reload' },
      ...(options.dev ? [{ role: 'forceReload' } as const, { role: 'toggleDevTools' } as const] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  return [
    ...(options.isMac ? [{ label: options.appName, role: 'appMenu' } as const] : []),
    file,
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
  ];
}
