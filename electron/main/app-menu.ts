import { basename } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/protocol/bridge.js';

/** What the menu's items do; the shell supplies them. */
export interface MenuActions {
  open(): void;
  openRecent(path: string): void;
  clearRecent(): void;
  /** Sends a command to the focused window's page (undo, redo, save as), which decides what it does there. */
  command(command: MenuCommand): void;
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

/**
 * The Edit menu. Undo and Redo go to the page, not to the undo role: their accelerators would
 * otherwise never reach the page, and the page knows whether a text field (its own undo) or the
 * model's history has the focus. Cut, copy and paste keep their roles.
 */
export function editMenu(isMac: boolean, actions: Pick<MenuActions, 'command'>): MenuItemConstructorOptions {
  return {
    label: 'Edit',
    submenu: [
      { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: () => actions.command('undo') },
      { label: 'Redo', accelerator: 'CmdOrCtrl+Shift+Z', click: () => actions.command('redo') },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(isMac ? [{ role: 'pasteAndMatchStyle' } as const] : []),
      { role: 'delete' },
      { type: 'separator' },
      { role: 'selectAll' },
    ],
  };
}

/** The application menu: File (Open…, Open Recent, Save As…, Close), Edit (Undo, Redo to the page), View (Reload, DevTools in dev), Window. */
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
      { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.command('saveAs') },
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
    editMenu(options.isMac, actions),
    view,
    { role: 'windowMenu' },
  ];
}
