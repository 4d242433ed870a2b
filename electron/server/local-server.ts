import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkbenchError } from '../../shared/errors.js';
import { handlersFor } from '../../shared/protocol/methods.js';
import { WorkbenchService } from '../service/workbench-service.js';
import { DOWNLOAD_PATH, handleCall, handleDownload, handleUpload, methodNotAllowed, UPLOAD_PATH, type ApiOptions } from './api-routes.js';
import { contentSecurityPolicy } from './content-security-policy.js';
import { attachEventSocket } from './event-socket.js';
import { hostAllowed, originAllowed, presentedToken, createToken, tokenMatches } from './request-guard.js';
import { send, sendText } from './responses.js';
import { APP_PREFIX, hasRenderer, indexPage, serveFile } from './static-files.js';
import { summaryPage } from './summary-page.js';

/** A running browser host: its URL carries the per-start token every request must present. */
export interface LocalServer {
  readonly url: string;
  readonly token: string;
  readonly port: number;
  readonly service: WorkbenchService;
  /** Whether it serves the built renderer (false: the summary page, as the UI is not built). */
  readonly servesRenderer: boolean;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** The model the page opens first; without one the page starts empty. */
  model?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The built renderer (default: dist/renderer of this package). */
  rendererDir?: string;
  /** Largest model upload in bytes (default 2 GiB, protobuf's own limit for a model file). */
  uploadLimit?: number;
  /** Settings and recovery copies (default: settingsDir(), which ONNX_WORKBENCH_CONFIG_DIR sets). */
  settingsDir?: string;
}

const GiB = 1024 ** 3;

/** The package's root: the nearest folder above this file with a package.json (from source or from dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the server module');
    dir = up;
  }
  return dir;
}

/**
 * Serves the workbench to a browser on 127.0.0.1 only: the built renderer, the API (POST
 * /api/<method>, POST /api/upload) and progress events (WebSocket /api/events). A random token
 * is made at each start; requests without it (query `token`, header `x-workbench-token`, or the
 * /app/<token>/ path of the page's files) get 401, so other local users and web pages cannot
 * read the user's models.
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const token = createToken();
  const rendererDir = options.rendererDir ?? join(packageRoot(), 'dist', 'renderer');
  const service = new WorkbenchService({ ...(options.model !== undefined ? { initialModel: options.model } : {}), ...(options.settingsDir !== undefined ? { settingsDir: options.settingsDir } : {}) });
  try {
    await service.initialModel(); // a bad MODEL is an error now, not when the page asks
  } catch (e) {
    await service.dispose();
    throw e;
  }
  const api: ApiOptions = { service, handlers: handlersFor(service), uploadLimit: options.uploadLimit ?? 2 * GiB, jsonLimit: 1 << 20 };
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostAllowed(req, port)) return sendText(res, 403, 'wrong Host: use the URL the server printed');
    if (!originAllowed(req, port)) return sendText(res, 403, 'requests from other origins are refused');
    const pageHeaders = { 'content-security-policy': contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]) };

    if (url.pathname.startsWith(APP_PREFIX)) {
      const rest = url.pathname.slice(APP_PREFIX.length);
      const slash = rest.indexOf('/');
      if (slash < 0 || !tokenMatches(rest.slice(0, slash), token)) return sendText(res, 401, 'missing or wrong token');
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
      const file = rest.slice(slash + 1);
      if (file === '' || file === 'index.html') return send(res, 200, 'text/html; charset=utf-8', await indexPage(rendererDir, token), pageHeaders);
      return serveFile(res, rendererDir, file, pageHeaders);
    }

    if (!tokenMatches(presentedToken(req, url), token)) return sendText(res, 401, 'missing or wrong token');

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return methodNotAllowed(res);
      if (url.pathname === UPLOAD_PATH) return handleUpload(req, res, url, api);
      if (url.pathname === DOWNLOAD_PATH) return handleDownload(res, url, api);
      return handleCall(req, res, url.pathname.slice('/api/'.length), api);
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
      if (hasRenderer(rendererDir)) return send(res, 200, 'text/html; charset=utf-8', await indexPage(rendererDir, token), pageHeaders);
      return send(res, 200, 'text/html; charset=utf-8', summaryPage(options.model ?? null), {
        'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      });
    }
    return sendText(res, 404, 'not found');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) sendText(res, 500, `internal error: ${e.message.split('\n')[0]}`);
      else res.destroy();
    });
  });
  const events = attachEventSocket(server, token, () => port);
  const unsubscribe = service.onProgress((e) => events.broadcast('progress', e));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await service.dispose();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new WorkbenchError('PORT_IN_USE', `port ${options.port} on 127.0.0.1 is in use; choose another with --port`);
    if (code === 'EACCES') throw new WorkbenchError('PORT_DENIED', `port ${options.port} on 127.0.0.1 needs privileges; choose one above 1023 with --port`);
    throw e;
  }
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    service,
    get servesRenderer() {
      return hasRenderer(rendererDir);
    },
    async close() {
      unsubscribe();
      events.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await service.dispose();
    },
  };
}
