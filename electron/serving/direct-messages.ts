// What the model server and its runtime hosts say to each other about direct connections: a
// client's connection handed to a host, which answers its inference requests itself (one process
// hop fewer per request) and tells the server what it did, so that metrics, logs, timeouts and a
// crash's 503 stay the server's.

import type { ServedModel } from './served-model.js';

/** A served model as a host answering direct requests needs it. */
export interface DirectModel extends ServedModel {
  /** Its inferences may be answered in the host: no batching merges them. */
  direct: boolean;
}

export interface DirectConfig {
  models: DirectModel[];
  token?: string;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  headersTimeoutMs: number;
}

export type DirectToHost =
  /** Sent to each new host before any connection. */
  | { type: 'direct-setup'; config: DirectConfig }
  /** Comes with the connection's socket as the message's handle. */
  | { type: 'direct-connection'; conn: number }
  /** The server is shutting down: requests not yet begun go back to it (it answers 503). */
  | { type: 'direct-drain' };

export type DirectFromHost =
  /** A request on a direct connection was taken: it is in flight until its done or handback. */
  | { type: 'direct-start'; conn: number; requestId: string; model: string; path: string }
  | { type: 'direct-done'; conn: number; requestId: string; model: string; method: string; path: string; status: number; ms: number; stages?: Record<string, number>; message?: string }
  /**
   * The host gives the connection back with the bytes it read and did not answer (a request it
   * does not answer, or one that found it busy, and any sent after it), as they came.
   */
  | { type: 'direct-handback'; conn: number; bytes: Uint8Array }
  /** The client or the host ended the connection: the server closes its copy. */
  | { type: 'direct-closed'; conn: number };
