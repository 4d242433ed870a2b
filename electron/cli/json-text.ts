// JSON for --json output: JSON has no number for ±Infinity (an infinite SQNR of equal outputs),
// which JSON.stringify would turn into null; they are written as the strings "Infinity" and "-Infinity".

/** `value` as indented JSON, infinite numbers as strings. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? String(v) : v), 2);
}
