import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WorkbenchError } from '../../shared/errors.js';
import type { MethodHandlers } from '../../shared/protocol/methods.js';
import { dispatch, toWireError } from '../../shared/protocol/wire.js';
import type { WorkbenchService } from '../service/workbench-service.js';
import { BASE_HEADERS, send, sendEnvelope } from './responses.js';

/** Path of the download endpoint: POST `?modelId=`, answers the current state's bytes (errors as an envelope). */
export const DOWNLOAD_PATH = '/api/download';
/** Path of the upload endpoint: POST raw model bytes, `?name=` the file's name. */
export const UPLOAD_PATH = '/api/upload';

export interface ApiOptions {
  service: WorkbenchService;
  handlers: MethodHandlers;
  /** Largest upload accepted, in bytes. */
  uploadLimit: number;
  /** Largest JSON request body accepted, in bytes. */
  jsonLimit: number;
}

function fail(res: ServerResponse, code: string, message: string): void {
  sendEnvelope(res, { ok: false, error: { code, message } });
}

// A refused request whose body is still arriving: answer, then drop the connection rather than
// read what is left (it may be gigabytes).
function refuseBody(req: IncomingMessage, res: ServerResponse, code: string, message: string): void {
  res.setHeader('connection', 'close');
  res.once('finish', () => req.destroy());
  fail(res, code, message);
}

function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** POST /api/<method>: a JSON params object in, a response envelope out. */
export async function handleCall(req: IncomingMessage, res: ServerResponse, method: string, options: ApiOptions): Promise<void> {
  if (contentType(req) !== 'application/json') {
    return refuseBody(req, res, 'UNSUPPORTED_MEDIA_TYPE', `${method}: send the parameters as application/json`);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.jsonLimit) return refuseBody(req, res, 'TOO_LARGE', `${method}: request body over ${options.jsonLimit} bytes`);
  const body = await readBody(req, options.jsonLimit);
  if (!body) return refuseBody(req, res, 'TOO_LARGE', `${method}: request body over ${options.jsonLimit} bytes`);
  let params: unknown;
  try {
    params = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch (e) {
    return fail(res, 'BAD_REQUEST', `${method}: request body is not JSON (${(e as Error).message})`);
  }
  sendEnvelope(res, await dispatch(options.handlers, method, params));
}

/**
 * POST /api/upload?name=NAME: the body is a model's bytes (application/octet-stream), streamed to
 * a private temporary file (never held in memory whole) and opened; answers like openModel.
 */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, options: ApiOptions): Promise<void> {
  const name = url.searchParams.get('name') ?? '';
  if (name.length === 0 || name.length > 255) return refuseBody(req, res, 'BAD_REQUEST', 'upload: give the file name as ?name= (1 to 255 characters)');
  if (contentType(req) !== 'application/octet-stream') {
    return refuseBody(req, res, 'UNSUPPORTED_MEDIA_TYPE', 'upload: send the model as application/octet-stream');
  }
  const limit = options.uploadLimit;
  const tooLarge = `upload: ${name} is larger than the ${limit.toLocaleString('en-US')}-byte limit (open large models by path)`;
  if (Number(req.headers['content-length'] ?? 0) > limit) return refuseBody(req, res, 'TOO_LARGE', tooLarge);

  const file = await options.service.uploadPath(name);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      done(received > limit ? new WorkbenchError('TOO_LARGE', tooLarge) : null, chunk);
    },
  });
  try {
    await pipeline(req, counter, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (e) {
    await rm(dirname(file), { recursive: true, force: true });
    if (e instanceof WorkbenchError) return refuseBody(req, res, e.code, e.message);
    // The client went away mid-upload: nobody to answer.
    if (req.destroyed || res.destroyed) return;
    return fail(res, 'UPLOAD_FAILED', `upload: ${name}: ${(e as Error).message}`);
  }
  try {
    sendEnvelope(res, { ok: true, result: await options.service.openUpload(file, name) });
  } catch (e) {
    sendEnvelope(res, { ok: false, error: toWireError(e) });
  }
}

/** A 405 for API paths asked with anything but POST. */
export function methodNotAllowed(res: ServerResponse): void {
  send(res, 405, 'text/plain; charset=utf-8', 'the API takes POST requests\n', { allow: 'POST' });
}

/** POST /api/download?modelId=ID: the document's current state as a model file (attachment). */
export async function handleDownload(res: ServerResponse, url: URL, options: ApiOptions): Promise<void> {
  let model;
  try {
    model = await options.service.modelBytes(url.searchParams.get('modelId') ?? '');
  } catch (e) {
    return sendEnvelope(res, { ok: false, error: toWireError(e) });
  }
  res.writeHead(200, {
    ...BASE_HEADERS,
    'content-type': 'application/octet-stream',
    'content-length': String(model.bytes),
    'content-disposition': `attachment; filename="${model.name.replace(/[^\w.-]/g, '_')}"`,
  });
  for (const s of model.segments) if (!res.write(s)) await new Promise((r) => res.once('drain', r));
  res.end();
}
