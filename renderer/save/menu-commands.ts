import { MENU_COMMANDS, menuEventName, type MenuCommand } from '../../shared/protocol/bridge.js';

// The Electron menu's Undo, Redo and Save As arrive as DOM events (the menu's accelerators never
// reach the page). In a text field, undo and redo stay the field's own; elsewhere each command
// becomes the keystroke the page already answers (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Shift+S), so the
// browser host and Electron share one path.

/** What a menu command does where the focus is. */
export type MenuAction = { kind: 'text'; command: 'undo' | 'redo' } | { kind: 'key'; init: KeyboardEventInit };

const KEYS: Record<MenuCommand, KeyboardEventInit> = {
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

/** Listens for the menu's commands on `win`; returns the unsubscribe. */
export function installMenuCommands(win: Window): () => void {
  const doc = win.document;
  const offs = MENU_COMMANDS.map((command) => {
    const run = () => {
      const focused = doc.activeElement as HTMLElement | null;
      const action = menuAction(command, focused as HTMLInputElement | null);
      // execCommand is deprecated but remains the one way to run a field's own undo stack.
      if (action.kind === 'text') doc.execCommand(action.command);
      else (focused ?? doc.body).dispatchEvent(new KeyboardEvent('keydown', action.init));
    };
    win.addEventListener(menuEventName(command), run);
    return () => win.removeEventListener(menuEventName(command), run);
  });
  return () => offs.forEach((off) => off());
}
