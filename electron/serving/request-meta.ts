// What every request is checked and tagged with, wherever it is answered (the server, or a
// runtime host on a direct connection): its target, its id, and whether it carries the server's token.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { tokenMatches } from '../server/request-guard.js';

/** The request's target as a URL, or undefined when it is not one (an absolute form with a broken host, say). */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://x');
  } catch {
    return undefined;
  }
}

/** The client's X-Request-Id (up to 100 characters), else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return (typeof given === 'string' && given.slice(0, 100)) || randomUUID();
}

/** Whether the request carries the token (Authorization: Bearer, or X-Workbench-Token). */
export function tokenAccepted(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-workbench-token'];
  return tokenMatches(typeof given === 'string' ? given : undefined, token);
}
