// onnxruntime sessions for checking models: onnxruntime's own graph optimizer off, so what runs
// is the graph as written (its optimizer would hide differences, or make its own), and every
// failure a one-line WorkbenchError that says which model.

import * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';

/** A model to run: a path (external data then resolves beside it) or the model's bytes. */
export type ModelSource = Uint8Array | string;

export interface CheckSessionOptions {
  /** Threads inside one operator; onnxruntime's default (all cores) when not given. */
  intraOpThreads?: number;
}

// onnxruntime repeats this for every If/Loop/Scan around a failing node, so the node that failed
// comes last and long messages lose it to shortening: keep the chain of nodes and the last message.
const NESTED = /Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message: /y;

function condensed(m: string): string {
  const chain: string[] = [];
  let end = 0;
  NESTED.lastIndex = 0;
  for (let r = NESTED.exec(m); r; r = NESTED.exec(m)) {
    chain.push(r[2] ? `${r[1]} '${r[2]}'` : r[1]!);
    end = NESTED.lastIndex;
  }
  return chain.length ? `${chain.join(' > ')}: ${m.slice(end)}` : m;
}

/** onnxruntime's message on one line, shortened: its messages can quote whole graphs. */
export function ortMessage(e: unknown): string {
  const m = condensed((e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ').trim());
  return m.length > 500 ? `${m.slice(0, 500)}…` : m;
}

function describe(role: string, model: ModelSource): string {
  return typeof model === 'string' ? `${role} model ${model}` : `${role} model`;
}

/** A session with the graph optimizer disabled; WorkbenchError 'RUNTIME_REJECTED' naming `role` when onnxruntime refuses the model. */
export async function createCheckSession(model: ModelSource, role: string, options: CheckSessionOptions = {}): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'disabled',
    executionProviders: ['cpu'],
    executionMode: 'sequential',
    // Errors only: warnings about the models checked (initializers listed as inputs, say) are not the user's business here.
    logSeverityLevel: 4,
  };
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  try {
    // The two overloads differ only in the first argument's type.
    return typeof model === 'string'
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
  } catch (e) {
    throw new WorkbenchError('RUNTIME_REJECTED', `${describe(role, model)}: onnxruntime cannot load it: ${ortMessage(e)}`);
  }
}

/** Runs a session; WorkbenchError 'RUNTIME_FAILED' naming `role` when onnxruntime fails. */
export async function runCheckSession(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  role: string,
  fetches?: readonly string[],
): Promise<Record<string, ort.Tensor>> {
  try {
    return fetches ? await session.run(feeds, [...fetches]) : await session.run(feeds);
  } catch (e) {
    throw new WorkbenchError('RUNTIME_FAILED', `${role} model: onnxruntime failed to run it: ${ortMessage(e)}`);
  }
}

/** Releases a session, ignoring a failure: release runs in `finally` blocks, where it must not hide the first error. */
export async function releaseSession(session: ort.InferenceSession | undefined): Promise<void> {
  await session?.release().catch(() => undefined);
}
