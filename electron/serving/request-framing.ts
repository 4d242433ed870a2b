// A lean HTTP/1.1 request framer for the runtime host's direct connections. It frames the common
// case only: an HTTP/1.1 request whose body, if any, has a Content-Length. Anything else (HTTP/1.0,
// chunked bodies, Expect, Upgrade, oversized heads or bodies, anything malformed) is "not framed
// here": the host gives the connection back with its bytes untouched, and the model server's
// node:http parses and answers it as it answers any connection. node:http costs this path a few
// tenths of a millisecond per request that this framer does not.

export interface RequestHead {
  method: string;
  /** The request target as sent. */
  url: string;
  /** Header values by lowercased name (repeated headers joined by ", "). */
  headers: Record<string, string>;
}

/** A framed request: what the host's routing reads of it. */
export interface FramedRequest extends RequestHead {
  body: Buffer;
  /** The request's bytes as they came, head and body (what goes back to the server if the host does not answer it). */
  bytes: Buffer;
  /** False when the client asked to close the connection after this answer. */
  keepAlive: boolean;
}

export type Framing =
  /** A whole request, and the bytes after it (a pipelined request's start, or nothing). */
  | { kind: 'request'; request: FramedRequest; rest: Buffer }
  /** More bytes are needed: of the head, or of the body (then `need` is the whole request's length). */
  | { kind: 'partial'; stage: 'head' }
  | { kind: 'partial'; stage: 'body'; need: number; head: RequestHead }
  /** Not framed here: the server's parser takes the bytes as they are. */
  | { kind: 'foreign' };

export interface FramingLimits {
  /** The longest head framed here (node's default limit is 16 KiB; longer goes to the server, which answers 431). */
  maxHeadBytes: number;
  /** The largest body framed here (larger goes to the server, which answers 413). */
  maxBodyBytes: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^([A-Z]+) ([\x21-\x7e]+) HTTP\/1\.1$/;
// A value may hold tabs, not other control characters.
// eslint-disable-next-line no-control-regex
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/;
/** Headers whose request this framer leaves to node:http. */
const FOREIGN_HEADERS = new Set(['transfer-encoding', 'expect', 'upgrade']);
const FOREIGN: Framing = { kind: 'foreign' };

/** Frames the request at the start of `buf`. */
export function frameRequest(buf: Buffer, limits: FramingLimits): Framing {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) {
    // A head ended by bare line feeds is for node:http to judge, as is one past the limit.
    if (buf.length > limits.maxHeadBytes || buf.includes('\n\n')) return FOREIGN;
    return { kind: 'partial', stage: 'head' };
  }
  if (headEnd > limits.maxHeadBytes) return FOREIGN;
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n');
  const start = REQUEST_LINE.exec(lines[0]!);
  if (!start) return FOREIGN;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const h = HEADER_LINE.exec(lines[i]!);
    if (!h) return FOREIGN;
    const name = h[1]!.toLowerCase();
    if (FOREIGN_HEADERS.has(name)) return FOREIGN;
    const had = headers[name];
    if (had !== undefined && name === 'content-length') return FOREIGN;
    headers[name] = had === undefined ? h[2]! : `${had}, ${h[2]!}`;
  }
  const declared = headers['content-length'] ?? '0';
  if (!/^\d{1,15}$/.test(declared)) return FOREIGN;
  const length = Number(declared);
  if (length > limits.maxBodyBytes) return FOREIGN;
  const bodyStart = headEnd + CRLF2.length;
  const end = bodyStart + length;
  if (buf.length < end) return { kind: 'partial', stage: 'body', need: end, head: { method: start[1]!, url: start[2]!, headers } };
  const keepAlive = !/(^|,)\s*close\s*(,|$)/i.test(headers.connection ?? '');
  return {
    kind: 'request',
    request: { method: start[1]!, url: start[2]!, headers, body: buf.subarray(bodyStart, end), bytes: buf.subarray(0, end), keepAlive },
    rest: buf.subarray(end),
  };
}
