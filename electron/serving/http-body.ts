// Reading a request body with a size limit (413) and a deadline for slow clients (408).

import type { IncomingMessage } from 'node:http';
import { ServingError } from './serving-error.js';

export function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) return Promise.reject(new ServingError(413, `the body is ${declared} bytes; the limit is ${maxBytes} (--max-body)`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) {
        req.removeAllListeners('data');
        // Whatever else it sends is read and dropped, so that the refusal still reaches it.
        req.resume();
        reject(e);
      } else resolve(Buffer.concat(chunks, size));
    };
    const timer = setTimeout(() => finish(new ServingError(408, `the request body did not arrive within ${timeoutMs} ms`)), timeoutMs);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) finish(new ServingError(413, `the body is over the limit of ${maxBytes} bytes (--max-body)`));
      else chunks.push(c);
    });
    req.on('end', () => finish());
    req.on('error', (e) => finish(new ServingError(400, `reading the body failed: ${e.message}`)));
    req.on('aborted', () => finish(new ServingError(400, 'the client closed the connection before the body ended')));
  });
}
