import type { ServerResponse } from 'node:http';
import { toJson, type WireResponse } from '../../shared/protocol/wire.js';

/** Headers every response carries: nothing cached, sniffed, framed or referred elsewhere. */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Sends a complete response. */
export function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Sends a plain-text line (refusals: 401, 404, 405...). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`);
}

// Status codes for errors: malformed requests are the client's fault (4xx), a WorkbenchError is
// a request that was well-formed but could not be done (a bad model file: 422), INTERNAL is ours.
const STATUS: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  UNKNOWN_METHOD: 404,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
};

/** Sends an API response envelope as JSON (NaN and ±Infinity kept; see wire.ts). */
export function sendEnvelope(res: ServerResponse, envelope: WireResponse): void {
  const status = envelope.ok ? 200 : (STATUS[envelope.error.code] ?? 422);
  send(res, status, 'application/json; charset=utf-8', toJson(envelope));
}
