// A refusal the model server answers with an HTTP status and a one-line message (KServe v2's
// error body is `{"error": "..."}`).

import type { ServerResponse } from 'node:http';

export class ServingError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers (Retry-After for 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'ServingError';
  }
}

export const badRequest = (message: string): ServingError => new ServingError(400, message);

/** Answers with the error, or ends the connection when an answer had already begun. */
export function writeError(res: ServerResponse, err: ServingError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: err.message });
  res.writeHead(err.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...err.headers });
  res.end(body);
}
