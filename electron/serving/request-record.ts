// The one place an answered request is counted (/metrics) and logged (a JSON line), whether the
// server answered it or a runtime host did on a direct connection.

import type { JsonLog } from './json-log.js';
import type { ServerMetrics } from './metrics.js';

export interface AnsweredRequest {
  requestId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  /** Absent for requests that named no served model (health, metrics, a 404). */
  model?: string;
  /** The refusal's message, for an error line. */
  message?: string;
  /** Answered by a runtime host on a direct connection (direct-path.ts). */
  direct?: boolean;
}

export function recordRequest(metrics: ServerMetrics, log: JsonLog, r: AnsweredRequest): void {
  const model = r.model ? { model: r.model } : {};
  if (r.message !== undefined) log.write('error', { requestId: r.requestId, status: r.status, message: r.message, ...model });
  if (r.model) metrics.request(r.model, r.status, r.ms / 1000);
  log.write('request', { requestId: r.requestId, method: r.method, path: r.path, status: r.status, ms: Math.round(r.ms * 10) / 10, ...model, ...(r.direct ? { direct: true } : {}) });
}
