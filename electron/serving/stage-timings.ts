// Where an inference request's time goes inside the server, stage by stage, so that the
// server's overhead over onnxruntime can be found rather than guessed: reading the body,
// decoding it into tensors, waiting in the queue, the trip to the runtime host and back (IPC,
// tensor conversion, merging and splitting a batch), onnxruntime's run, and encoding the reply.
// Each request carries them in a `Server-Timing` header (W3C Server Timing; browsers' devtools
// and `load` read it) and /metrics has a histogram per stage.

import { SERVER_STAGES, type ServerStage } from '../../shared/protocol/serving-api.js';

export { SERVER_STAGES, type ServerStage };

export class StageClock {
  private last: number;
  readonly ms: Partial<Record<ServerStage, number>> = {};

  constructor(readonly started = performance.now()) {
    this.last = started;
  }

  /** Ends `stage` now: the time since the last lap is counted to it. */
  lap(stage: ServerStage): void {
    const now = performance.now();
    this.add(stage, now - this.last);
    this.last = now;
  }

  /** Counts `ms` to a stage measured elsewhere (the host's own run time). */
  add(stage: ServerStage, ms: number): void {
    this.ms[stage] = (this.ms[stage] ?? 0) + Math.max(0, ms);
  }

  /** Moves `ms` of what was counted to `from` over to `to` (the run inside the host's round trip). */
  move(from: ServerStage, to: ServerStage, ms: number): void {
    const taken = Math.min(Math.max(0, ms), this.ms[from] ?? 0);
    this.ms[from] = (this.ms[from] ?? 0) - taken;
    this.add(to, taken);
  }

  /** `read;dur=0.12, decode;dur=0.03, …, total;dur=5.4` (milliseconds, from arrival until now). */
  header(): string {
    // Read first: formatting the stages is not a stage (a first, unoptimized call takes tens of µs).
    const total = performance.now() - this.started;
    const parts = SERVER_STAGES.filter((s) => this.ms[s] !== undefined).map((s) => `${s};dur=${this.ms[s]!.toFixed(3)}`);
    parts.push(`total;dur=${total.toFixed(3)}`);
    return parts.join(', ');
  }
}

/** The stages of a `Server-Timing` header (durations in ms); unknown or malformed entries are skipped. */
export function parseServerTiming(header: string | null | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!header) return out;
  for (const entry of header.split(',')) {
    const [name, ...params] = entry.trim().split(';');
    const dur = params.map((p) => /^\s*dur=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    if (name && dur) out.set(name.trim(), Number(dur[1]));
  }
  return out;
}
