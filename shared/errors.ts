/** An error the user can cause (bad file, bad option); `code` is stable, `message` is one line. */
export class WorkbenchError extends Error {
  constructor(readonly code: string, message: string) {
    super(oneLine(message));
    this.name = 'WorkbenchError';
  }
}

/**
 * The message with control characters (and Unicode line/paragraph separators) escaped: names
 * quoted from a file may hold any character, and a message must stay one printable line.
 */
function oneLine(message: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c >= 0x20 && c !== 0x7f && c !== 0x2028 && c !== 0x2029) continue;
    const escaped = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : `\\u${c.toString(16).padStart(4, '0')}`;
    out += message.slice(from, i) + escaped;
    from = i + 1;
  }
  return from === 0 ? message : out + message.slice(from);
}
