// What every request is checked and tagged with, wherever it is answered (the server, or a
// runtime host on a direct connection): its target, its id, and whether it carries the server's token.

import { randomUUID } from 'node:crypto';
import { tokenMatches } from '../server/request-guard.js';

/** What these read of a request: node:http's IncomingMessage, or a direct connection's framed request. */
interface RequestLike {
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** The request's target as a URL, or undefined when it is not one (an absolute form with a broken host, say). */
export function requestUrl(req: RequestLike): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://x');
  } catch {
    return undefined;
  }
}

/** The client's X-Request-Id (up to 100 characters), else a new one. */
export function requestIdOf(req: RequestLike): string {
  const given = req.headers['x-request-id'];
  return (typeof given === 'string' && given.slice(0, 100)) || randomUUID();
}

/** Whether the request carries the token (Authorization: Bearer, or X-Workbench-Token). */
export function tokenAccepted(req: RequestLike, token: string): boolean {
  const auth = req.headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-workbench-token'];
  return tokenMatches(typeof given === 'string' ? given : undefined, token);
}
