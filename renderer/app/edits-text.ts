// Whether the focus is in a field that edits text, and so owns undo and redo (the history's keys
// and the Electron Edit menu leave those to it). No DOM types: the shell's tests run it in Node.

/** Whether an element edits text (so it owns undo and redo). */
export function editsText(el: { tagName?: string; isContentEditable?: boolean; type?: string; readOnly?: boolean } | null): boolean {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName?.toUpperCase();
  if (tag === 'TEXTAREA') return !el.readOnly;
  if (tag !== 'INPUT') return false;
  return !el.readOnly && /^(text|search|url|tel|email|password|number|)$/i.test(el.type ?? '');
}
