import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import { openModel, type OpenedModel } from '../io/open-model.js';
import { summaryPage } from './summary-page.js';

/** A running browser host: its URL carries the per-start token every request must present. */
export interface LocalServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

function tokenMatches(given: string | null, token: string): boolean {
  if (!given || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
  });
  res.end(body);
}

/**
 * Serves the workbench to a browser on 127.0.0.1 only. A random token is made at each start;
 * requests without it (query `token` or header `x-workbench-token`) get 401, so other local users
 * and web pages cannot read the user's models.
 */
export async function startLocalServer(modelPath: string, port = 0): Promise<LocalServer> {
  const token = randomBytes(24).toString('base64url');
  let model: OpenedModel | undefined;
  const load = async () => (model ??= await openModel(modelPath));
  await load();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = url.searchParams.get('token') ?? (req.headers['x-workbench-token'] as string | undefined) ?? null;
    if (!tokenMatches(given, token)) return send(res, 401, 'text/plain', 'missing or wrong token\n');
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed\n');
    const m = await load();
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', summaryPage(modelPath));
    if (url.pathname === '/api/summary') {
      return send(res, 200, 'application/json', JSON.stringify(summarizeModel(m.ir, m.external.list.map((f) => f.location))));
    }
    return send(res, 404, 'text/plain', 'not found\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => send(res, 500, 'text/plain', `${e.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/?token=${token}`,
    token,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
