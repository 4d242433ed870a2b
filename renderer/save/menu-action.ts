import type { MenuCommand } from '../../shared/protocol/bridge.js';

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

/** Whether an element edits text (so it owns undo and redo). */
export function editsText(el: { tagName?: string; isContentEditable?: boolean; type?: string; readOnly?: boolean } | null): boolean {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName?.toUpperCase();
  if (tag === 'TEXTAREA') return !el.readOnly;
  if (tag !== 'INPUT') return false;
  return !el.readOnly && /^(text|search|url|tel|email|password|number|)$/i.test(el.type ?? '');
}

/** The action for a command with `focused` holding the focus. */
export function menuAction(command: MenuCommand, focused: Parameters<typeof editsText>[0]): MenuAction {
  if ((command === 'undo' || command === 'redo') && editsText(focused)) return { kind: 'text', command };
  return { kind: 'key', init: { ...KEYS[command], bubbles: true, cancelable: true } };
}

