// Streams for models called step by step: the server holds each stream's state (the outputs
// that feed inputs back), runs its chunks one after another in order, and sends each chunk's
// outputs to the stream's server-sent-event listeners.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import { makeArray } from './datatypes.js';
import type { ServedModel } from './served-model.js';

export interface Stream {
  id: string;
  model: ServedModel;
  state: Map<string, HostTensor>;
  /** Chunks run so far. */
  sequence: number;
  /** The chunk running now; the next one waits for it. */
  tail: Promise<unknown>;
  listeners: Set<ServerResponse>;
  lastUsed: number;
}

/** A state input's first value: zeros, with free dims taken as 1 (one stream is one sequence). */
function initialState(model: ServedModel, input: string): HostTensor {
  const decl = model.inputs.find((i) => i.name === input)!;
  const dims = (decl.shape ?? []).map((d) => d ?? 1);
  const n = dims.reduce((a, b) => a * b, 1);
  return { name: input, type: decl.type, dims, data: decl.type === 'string' ? Array<string>(n).fill('') : makeArray(decl.type, n) };
}

export class StreamStore {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly idleMs: number) {}

  create(model: ServedModel): Stream {
    this.expire();
    const state = new Map(Object.keys(model.state).map((i) => [i, initialState(model, i)]));
    const s: Stream = { id: randomUUID(), model, state, sequence: 0, tail: Promise.resolve(), listeners: new Set(), lastUsed: Date.now() };
    this.streams.set(s.id, s);
    return s;
  }

  get(id: string): Stream | undefined {
    this.expire();
    const s = this.streams.get(id);
    if (s) s.lastUsed = Date.now();
    return s;
  }

  /** Ends a stream: listeners get an `end` event. */
  end(s: Stream): void {
    this.streams.delete(s.id);
    for (const l of s.listeners) {
      l.write(`event: end\ndata: ${JSON.stringify({ id: s.id, chunks: s.sequence })}\n\n`);
      l.end();
    }
    s.listeners.clear();
  }

  endAll(): void {
    for (const s of [...this.streams.values()]) this.end(s);
  }

  /** The chunk's inputs with the held state added where the client did not give it. */
  feeds(s: Stream, inputs: HostTensor[]): HostTensor[] {
    const given = new Set(inputs.map((i) => i.name));
    return [...inputs, ...[...s.state.values()].filter((t) => !given.has(t.name))];
  }

  /** Keeps the new state from a chunk's outputs and tells the listeners. */
  advance(s: Stream, outputs: HostTensor[], event: unknown): void {
    for (const [input, output] of Object.entries(s.model.state)) {
      const next = outputs.find((o) => o.name === output);
      if (next) s.state.set(input, { ...next, name: input });
    }
    s.sequence++;
    s.lastUsed = Date.now();
    this.publish(s, 'result', event);
  }

  publish(s: Stream, event: string, data: unknown): void {
    for (const l of s.listeners) l.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private expire(): void {
    const now = Date.now();
    for (const s of [...this.streams.values()]) if (now - s.lastUsed > this.idleMs && s.listeners.size === 0) this.end(s);
  }
}
