// Finding a name on a printed line, for errors that point at a value or an operator: a whole
// name (not part of a longer one), bare or quoted.

/** `s` with the characters a RegExp gives meaning escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** 1-based column of `name` as a whole name on `line`, at or after `from` (0-based); undefined if absent. */
export function nameColumn(line: string, name: string, from = 0): number | undefined {
  const re = new RegExp(`(?<![\\w."])"?${escapeRegExp(name)}"?(?![\\w.])`, 'g');
  re.lastIndex = from;
  const m = re.exec(line);
  return m ? m.index + (m[0].startsWith('"') ? 2 : 1) : undefined;
}
