// A direct connection's deadlines (direct-connection.ts), with short limits in this process: a
// head that does not arrive in time gets 408 and the connection closes, even when its bytes
// trickle in; a body that stops arriving is handed to the handler's refusal; an answered
// connection left idle is closed.

import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { DirectConnection, type ConnectionHandler } from '../../electron/serving/direct-connection.js';
import { rawResponse } from '../../electron/serving/raw-response.js';

const LIMITS = { maxHeadBytes: 16 * 1024, maxBodyBytes: 1 << 20, headersTimeoutMs: 300, bodyTimeoutMs: 300, keepAliveMs: 600 };

let server: Server | undefined;
afterEach(() => server?.close());

/** A listener whose connections are DirectConnections with `handler`; resolves with a connected client, what it receives, and when it closed. */
async function client(handler: Partial<ConnectionHandler>): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const full: ConnectionHandler = { request: () => undefined, bodyTimedOut: () => undefined, givenBack: () => undefined, closed: () => undefined, ...handler };
  let n = 0;
  server = createServer((s) => new DirectConnection(s, ++n, LIMITS, full));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const start = performance.now();
  const closed = once(socket, 'close').then(() => performance.now() - start);
  return { socket, received: () => text, closed };
}

it('answers 408 and closes when the head is not whole within the deadline, counted from its first byte however slowly the rest trickles in', async () => {
  const c = await client({});
  const head = 'POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nX-Slow: ';
  c.socket.write(head);
  // A byte every 50 ms: each arrives well within the deadline, the head never ends.
  const trickle = setInterval(() => c.socket.writable && c.socket.write('a'), 50);
  const ms = await c.closed;
  clearInterval(trickle);
  expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(ms).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs * 0.9);
  expect(ms).toBeLessThan(LIMITS.headersTimeoutMs * 5);
});

it("hands a body that stops arriving to the handler's refusal, with its head, then closes", async () => {
  const timedOut: { method: string; url: string }[] = [];
  const c = await client({
    bodyTimedOut: (conn, head) => {
      timedOut.push({ method: head.method, url: head.url });
      conn.write(rawResponse(408, {}, ''), false);
    },
  });
  c.socket.write('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789');
  await c.closed;
  expect(timedOut).toEqual([{ method: 'POST', url: '/v2/models/m/infer' }]);
  expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
});

it('closes a connection left idle after its answer, and keeps one that is not', async () => {
  const c = await client({ request: (conn) => conn.write(rawResponse(200, {}, 'ok'), true) });
  const get = 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n';
  // Requests 200 ms apart keep it open past the idle limit (each answer starts the idle time again;
  // 400 ms to spare for a loaded machine).
  for (let i = 0; i < 4; i++) {
    c.socket.write(get);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(c.socket.destroyed).toBe(false);
  expect(c.received().match(/HTTP\/1\.1 200/g)).toHaveLength(4);
  // The last request went at about 600 ms: idle from its answer on.
  const ms = await c.closed;
  expect(ms).toBeGreaterThanOrEqual(600 + LIMITS.keepAliveMs * 0.9);
});
