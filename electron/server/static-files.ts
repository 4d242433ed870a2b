import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { send, sendText } from './responses.js';

// The built renderer (vite's output) served to the browser. The page's URL carries the token as
// a query parameter, which relative URLs do not inherit; so index.html gets a <base> under
// /app/<token>/ and every script, style, worker and font it loads carries the token in its path.

/** Path prefix of the renderer's files; the next segment is the token. */
export const APP_PREFIX = '/app/';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Whether a built renderer is there to serve. */
export function hasRenderer(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

/**
 * index.html with a <base> that puts the token into the path of everything it loads (and, unless
 * the page names an icon, an empty one: the browser would otherwise ask for /favicon.ico without
 * the token).
 */
export async function indexPage(dir: string, token: string): Promise<string> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const icon = /<link[^>]+rel=["']?(shortcut )?icon/i.test(html) ? '' : '<link rel="icon" href="data:,">';
  const base = `<base href="${APP_PREFIX}${token}/">${icon}`;
  const head = /<head[^>]*>/i.exec(html);
  return head ? html.slice(0, head.index + head[0].length) + base + html.slice(head.index + head[0].length) : base + html;
}

/** Serves `relative` (URL-encoded, '/'-separated) from `dir`; 404 for anything outside it or missing. */
export async function serveFile(res: ServerResponse, dir: string, relative: string, headers: Record<string, string>): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return sendText(res, 400, 'bad path');
  }
  const parts = decoded.split('/');
  if (decoded.includes('\0') || decoded.includes('\\') || parts.some((p) => p === '..' || p === '.')) return sendText(res, 404, 'not found');
  const root = resolve(dir);
  const full = resolve(root, ...parts.filter((p) => p !== ''));
  if (!full.startsWith(root + sep)) return sendText(res, 404, 'not found');
  const st = await stat(full).catch(() => undefined);
  if (!st?.isFile()) return sendText(res, 404, 'not found');
  const type = TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream';
  send(res, 200, type, await readFile(full), headers);
}
