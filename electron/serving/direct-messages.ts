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
  /** The server's request timeout: a request unanswered this long in a host ends that host (504). */
  timeoutMs: number;
  /** Requests that may wait in a host for their turn (the server's queue size); more go to the server's queue. */
  maxWaiting: number;
}

export type DirectToHost =
  /** Sent to each new host before any connection, with the file its journal goes to (direct-journal.ts; none: notes go as messages). */
  | { type: 'direct-setup'; config: DirectConfig; journal?: string }
  /** Comes with the connection's socket as the message's handle. */
  | { type: 'direct-connection'; conn: number }
  /** The server is shutting down: requests not yet begun go back to it (it answers 503). */
  | { type: 'direct-drain' };

/** What the host's journal says of each request it answers (a message when the journal cannot be written). */
export type DirectNote =
  /**
   * A request on a direct connection was taken (`at`: Date.now()): it is in flight until its
   * done; `waiting` when it waits for its turn at the host (queued) until its 'direct-run'.
   */
  | { type: 'direct-start'; conn: number; requestId: string; model: string; path: string; at: number; waiting?: true }
  | { type: 'direct-run'; conn: number; requestId: string }
  | { type: 'direct-done'; conn: number; requestId: string; model: string; method: string; path: string; status: number; ms: number; stages?: Record<string, number>; message?: string };

export type DirectFromHost =
  | DirectNote
  /**
   * The host gives the connection back with the bytes it read and did not answer (a request it
   * does not answer, or one that found it busy, and any sent after it), as they came.
   */
  | { type: 'direct-handback'; conn: number; bytes: Uint8Array }
  /** The client or the host ended the connection: the server closes its copy. */
  | { type: 'direct-closed'; conn: number };
