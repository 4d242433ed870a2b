import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, EventPayload } from '../../shared/protocol/methods.js';
import { toJson } from '../../shared/protocol/wire.js';
import { hostAllowed, originAllowed, presentedToken, tokenMatches } from './request-guard.js';

/** Path of the event socket (`?token=` or the x-workbench-token header). */
export const EVENTS_PATH = '/api/events';

/** The WebSocket side of the browser host: pushes events ({event, data}) to every connected page. */
export interface EventSocket {
  broadcast<E extends EventName>(event: E, data: EventPayload<E>): void;
  close(): void;
}

function refuse(socket: Duplex, status: string): void {
  // end() sends the answer before closing; destroy() could drop it unsent.
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Accepts WebSocket upgrades on /api/events from requests that pass the same checks as every
 * other request (token, Host, Origin); the rest get a plain 401/403/404 before any handshake.
 */
export function attachEventSocket(server: Server, token: string, port: () => number): EventSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostAllowed(req, port()) || !originAllowed(req, port())) return refuse(socket, '403 Forbidden');
    if (!tokenMatches(presentedToken(req, url), token)) return refuse(socket, '401 Unauthorized');
    if (url.pathname !== EVENTS_PATH) return refuse(socket, '404 Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      // The page has nothing to say on this socket; messages from it are ignored.
    });
  });
  return {
    broadcast(event, data) {
      const text = toJson({ event, data });
      for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    close() {
      for (const ws of clients) ws.terminate();
      clients.clear();
      wss.close();
    },
  };
}
