import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// Who may talk to the browser host: requests that carry this start's token, addressed to
// 127.0.0.1 (or localhost) at our port, and, when a browser says where it comes from, coming
// from our own origin. The Host check stops DNS-rebinding pages; the token stops everything else.

/** Header that carries the token (the query parameter is `token`). */
export const TOKEN_HEADER = 'x-workbench-token';

/** A fresh random token: 24 bytes, URL-safe base64 (32 characters). */
export function createToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/** The token a request presents: its `token` query parameter or its x-workbench-token header. */
export function presentedToken(req: IncomingMessage, url: URL): string | null {
  const header = req.headers[TOKEN_HEADER];
  return url.searchParams.get('token') ?? (typeof header === 'string' ? header : null);
}

/** Whether the request is addressed to this server by loopback name and port. */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** Whether a browser's Origin header (absent for non-browser clients) is this server's. */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}
