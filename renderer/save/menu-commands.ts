import { MENU_COMMANDS, menuEventName } from '../../shared/protocol/bridge.js';
import { menuAction } from './menu-action.js';

// The Electron menu's Undo, Redo and Save As arrive as DOM events (the menu's accelerators never
// reach the page). In a text field, undo and redo stay the field's own; elsewhere each command
// becomes the keystroke the page already answers (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Shift+S), so the
// browser host and Electron share one path.

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
