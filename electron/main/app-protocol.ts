import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { protocol } from 'electron';
import { contentSecurityPolicy } from '../server/content-security-policy.js';
import { APP_SCHEME, appUrlFile } from './app-url.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Must run before the app is ready: app:// behaves like https (modules, workers, fetch, storage). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

const MISSING_RENDERER = `<!doctype html><meta charset="utf-8"><title>ONNX Workbench</title>
<p style="font:14px system-ui;margin:2em">The workbench UI is not built. Run <code>npm run build</code>, then reload (Ctrl+R).</p>`;

/**
 * Serves the built renderer at app://workbench/ with the workbench's Content-Security-Policy on
 * every response. Pages are not loaded from file:// so that the policy is a real header and the
 * IPC sender check has an origin of our own to compare against.
 */
export function serveRenderer(rendererDir: string): void {
  const headers = (type: string) => ({ 'content-type': type, 'content-security-policy': contentSecurityPolicy(), 'x-content-type-options': 'nosniff' });
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appUrlFile(request.url);
    if (!file) return new Response('not found', { status: 404, headers: headers('text/plain') });
    try {
      const body = await readFile(join(rendererDir, ...file.split('/')));
      return new Response(body, { status: 200, headers: headers(TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream') });
    } catch {
      if (file === 'index.html') return new Response(MISSING_RENDERER, { status: 200, headers: headers('text/html; charset=utf-8') });
      return new Response('not found', { status: 404, headers: headers('text/plain') });
    }
  });
}
