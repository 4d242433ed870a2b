import type { MenuCommand } from '../../shared/protocol/bridge.js';
import { editsText } from '../app/edits-text.js';

// What a menu command (Electron's Edit › Undo, Redo, File › Save As…) does where the focus is:
// no DOM here, so the shell's tests check it without a browser.

/** The fields of a KeyboardEventInit that a command's shortcut sets. */
export interface KeyInit {
  key: string;
  code: string;
  ctrlKey: boolean;
  shiftKey?: boolean;
  bubbles?: boolean;
  cancelable?: boolean;
}

/** What a menu command does where the focus is. */
export type MenuAction = { kind: 'text'; command: 'undo' | 'redo' } | { kind: 'key'; init: KeyInit };

const KEYS: Record<MenuCommand, KeyInit> = {
  undo: { key: 'z', code: 'KeyZ', ctrlKey: true },
  redo: { key: 'Z', code: 'KeyZ', ctrlKey: true, shiftKey: true },
  saveAs: { key: 'S', code: 'KeyS', ctrlKey: true, shiftKey: true },
};

/** The action for a command with `focused` holding the focus. */
export function menuAction(command: MenuCommand, focused: Parameters<typeof editsText>[0]): MenuAction {
  if ((command === 'undo' || command === 'redo') && editsText(focused)) return { kind: 'text', command };
  return { kind: 'key', init: { ...KEYS[command], bubbles: true, cancelable: true } };
}

