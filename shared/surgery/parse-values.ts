// Numbers and lists as users type them on a command line or in a form: `3`, `-0.5`, `1e-3`, `inf`,
// `[1, 2]` (brackets optional). Shared by the edits that take values as text.

/** A whole number, optionally signed. */
export const INT_TEXT = /^[+-]?\d+$/;

const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;

/** A number written as a decimal, in exponent form, or inf/nan; undefined when the text is none. */
export function parseFloatText(s: string): number | undefined {
  if (!FLOAT_TEXT.test(s)) return undefined;
  const lower = s.toLowerCase().replace(/^\+/, '');
  if (lower.endsWith('nan')) return NaN;
  if (lower.includes('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

/** The items of `[a, b, c]` or `a,b,c`, trimmed; `[]` and the empty text are no items. */
export function listItems(text: string): string[] {
  const inner = text.trim().replace(/^\[(.*)\]$/s, '$1').trim();
  return inner === '' ? [] : inner.split(',').map((s) => s.trim());
}
