// The runtime host's request framer: the common HTTP/1.1 case framed (pipelined bytes kept for
// the next request), partial requests waiting for more, and everything else left to node:http.

import { describe, expect, it } from 'vitest';
import { frameRequest, type Framing } from '../../electron/serving/request-framing.js';

const limits = { maxHeadBytes: 1024, maxBodyBytes: 100 };
const frame = (text: string): Framing => frameRequest(Buffer.from(text, 'latin1'), limits);

describe('frameRequest', () => {
  it('frames a request with a body and keeps the bytes after it', () => {
    const first = 'POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Request-Id: a\r\nAccept: a\r\naccept:  b \r\n\r\nhello';
    const f = frame(`${first}GET /v2 HTTP/1.1\r\n\r\n`);
    expect(f.kind).toBe('request');
    if (f.kind !== 'request') return;
    expect(f.request).toMatchObject({ method: 'POST', url: '/v2/models/m/infer', headers: { host: 'x', 'content-length': '5', 'x-request-id': 'a', accept: 'a, b' }, keepAlive: true });
    expect(f.request.body.toString()).toBe('hello');
    expect(f.request.bytes.toString('latin1')).toBe(first);
    const next = frameRequest(f.rest, limits);
    expect(next).toMatchObject({ kind: 'request', request: { method: 'GET', url: '/v2', keepAlive: true } });
    if (next.kind === 'request') expect(next.rest.length).toBe(0);
  });

  it('says what it still needs: more of the head, or the body up to the whole request', () => {
    expect(frame('POST /v2/models/m/infer HTTP/1.1\r\nContent-Len')).toEqual({ kind: 'partial', stage: 'head' });
    const head = 'POST /x HTTP/1.1\r\ncontent-length: 10\r\n\r\n';
    expect(frame(`${head}12345`)).toEqual({ kind: 'partial', stage: 'body', need: head.length + 10, head: { method: 'POST', url: '/x', headers: { 'content-length': '10' } } });
  });

  it('notes a client that asks to close the connection', () => {
    expect(frame('GET /v2 HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n')).toMatchObject({ kind: 'request', request: { keepAlive: false } });
    expect(frame('GET /v2 HTTP/1.1\r\nConnection: closed\r\n\r\n')).toMatchObject({ kind: 'request', request: { keepAlive: true } });
  });

  it.each([
    ['HTTP/1.0', 'GET /v2 HTTP/1.0\r\n\r\n'],
    ['a chunked body', 'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    ['Expect: 100-continue', 'POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n'],
    ['an upgrade', 'GET /x HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    ['a malformed request line', 'GET  /v2 HTTP/1.1\r\n\r\n'],
    ['a lower-case method', 'get /v2 HTTP/1.1\r\n\r\n'],
    ['a folded header', 'GET /v2 HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n'],
    ['a header without a colon', 'GET /v2 HTTP/1.1\r\nX-A 1\r\n\r\n'],
    ['a space before the colon', 'GET /v2 HTTP/1.1\r\nX-A : 1\r\n\r\n'],
    ['a control character in a value', 'GET /v2 HTTP/1.1\r\nX-A: 1\x002\r\n\r\n'],
    ['two Content-Lengths', 'POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab'],
    ['a Content-Length that is not a number', 'POST /x HTTP/1.1\r\nContent-Length: +1\r\n\r\na'],
    ['a body over the limit', 'POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n'],
    ['a head over the limit', `GET /v2 HTTP/1.1\r\nX-A: ${'a'.repeat(1100)}`],
    ['a complete head over the limit', `GET /v2 HTTP/1.1\r\nX-A: ${'a'.repeat(1100)}\r\n\r\n`],
    ['bare line feeds', 'GET /v2 HTTP/1.1\nHost: x\n\n'],
  ])('leaves %s to the server', (_, text) => {
    expect(frame(text)).toEqual({ kind: 'foreign' });
  });
});
