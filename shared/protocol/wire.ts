import './zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import { events, isMethodName, methods, type EventName, type EventPayload, type MethodHandlers, type MethodName, type MethodParams, type MethodResult } from './methods.js';
import { wireErrorSchema } from './schemas.js';

// What crosses a transport: calls answered by an envelope (result or {code, message}), events,
// and the checks at each end. A WorkbenchError thrown in the host arrives in the renderer as a
// WorkbenchError with the same code and message; anything else arrives as code INTERNAL.

/** A WorkbenchError as plain JSON. */
export type WireError = z.infer<typeof wireErrorSchema>;

/** The answer to a call, as both transports carry it. */
export type WireResponse<T = unknown> = { ok: true; result: T } | { ok: false; error: WireError };

/** An event message: its name and payload. */
export interface WireEvent<E extends EventName = EventName> {
  event: E;
  data: EventPayload<E>;
}

const responseSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: wireErrorSchema }),
]);

const eventEnvelopeSchema = z.object({ event: z.string(), data: z.unknown() });

type Issue = z.core.$ZodIssue;

// A union's issue says only "Invalid input": report the branch that came closest instead.
function deepest(issue: Issue): Issue {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    const inner = best[0];
    if (inner) return deepest({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
  }
  return issue;
}

/** One line naming the first problem zod found (and how many more there were). */
export function describeZodError(what: string, error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return `${what}: invalid`;
  const issue = deepest(first);
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return `${what}: ${where}: ${issue.message}${more}`;
}

/** Checks a call's parameters; a one-line WorkbenchError (BAD_REQUEST) when they are malformed. */
export function parseParams<M extends MethodName>(method: M, raw: unknown): MethodParams<M> {
  const r = methods[method].params.safeParse(raw);
  if (!r.success) throw new WorkbenchError('BAD_REQUEST', describeZodError(`bad parameters for ${method}`, r.error));
  return r.data as MethodParams<M>;
}

/** Checks a call's result where it arrives; a WorkbenchError (BAD_RESPONSE) when it is malformed. */
export function parseResult<M extends MethodName>(method: M, raw: unknown): MethodResult<M> {
  const r = methods[method].result.safeParse(raw);
  if (!r.success) throw new WorkbenchError('BAD_RESPONSE', describeZodError(`bad result from ${method}`, r.error));
  return r.data as MethodResult<M>;
}

/** An error as it crosses: WorkbenchErrors keep code and message; others become INTERNAL. */
export function toWireError(e: unknown): WireError {
  if (e instanceof WorkbenchError) return { code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: new WorkbenchError('INTERNAL', message || 'internal error').message };
}

/**
 * The result inside a response envelope where it arrives in the renderer: checked against the
 * method's result schema, or the error rethrown as a WorkbenchError.
 */
export function unwrapResponse<M extends MethodName>(method: M, raw: unknown): MethodResult<M> {
  const r = responseSchema.safeParse(raw);
  if (!r.success) throw new WorkbenchError('BAD_RESPONSE', describeZodError(`bad response to ${method}`, r.error));
  if (!r.data.ok) throw new WorkbenchError(r.data.error.code, r.data.error.message);
  return parseResult(method, r.data.result);
}

/**
 * Runs one call in the host: checks the method name and parameters, calls the handler, and puts
 * the result or the error in an envelope. Never throws.
 */
export async function dispatch(handlers: MethodHandlers, method: string, rawParams: unknown): Promise<WireResponse> {
  try {
    if (!isMethodName(method)) throw new WorkbenchError('UNKNOWN_METHOD', `unknown method "${method}"`);
    const params = parseParams(method, rawParams);
    const handler = handlers[method] as (p: unknown) => Promise<unknown>;
    return { ok: true, result: await handler(params) };
  } catch (e) {
    return { ok: false, error: toWireError(e) };
  }
}

/** Checks an event message where it arrives; undefined for an unknown event name. */
export function parseEvent(raw: unknown): WireEvent | undefined {
  const envelope = eventEnvelopeSchema.safeParse(raw);
  if (!envelope.success) throw new WorkbenchError('BAD_EVENT', describeZodError('bad event', envelope.error));
  const name = envelope.data.event;
  if (!Object.hasOwn(events, name)) return undefined;
  const schema = events[name as EventName];
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) throw new WorkbenchError('BAD_EVENT', describeZodError(`bad ${name} event`, data.error));
  return { event: name as EventName, data: data.data };
}

// JSON has no NaN or Infinity, and statistics of real tensors have them: they travel as
// {"$number": "NaN"} and are put back on arrival. (Electron IPC's structured clone needs none of this.)
const NON_FINITE = '$number';

// Whether a JSON-able value holds NaN or ±Infinity anywhere: a walk costs far less than
// stringify with a replacer, and most answers (graphs) hold none.
function hasNonFinite(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (v - v !== 0) return true;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

/** JSON text of a value, with NaN and ±Infinity kept. */
export function toJson(value: unknown): string {
  if (!hasNonFinite(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v));
}

/** Parses JSON written by toJson. */
export function fromJson(text: string): unknown {
  // Only text that can hold a marker pays for the reviver (a graph of 100,000 nodes is big).
  if (!text.includes(`"${NON_FINITE}"`)) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const s = (v as Record<string, unknown>)[NON_FINITE];
      if (keys.length === 1 && (s === 'NaN' || s === 'Infinity' || s === '-Infinity')) return Number(s);
    }
    return v;
  });
}
