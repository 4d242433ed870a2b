// Asynchronous inference: a submitted request gets an id at once; its answer is kept for a
// bounded time (and count) to be polled or waited for.

import { randomUUID } from 'node:crypto';
import type { EncodedResponse } from './infer-response.js';
import type { ServingError } from './serving-error.js';

export interface AsyncJob {
  id: string;
  model: string;
  submitted: number;
  /** When it was answered (ms since the epoch); undefined while it runs. */
  finished?: number;
  response?: EncodedResponse;
  error?: ServingError;
  waiters: (() => void)[];
}

export class AsyncJobs {
  private readonly jobs = new Map<string, AsyncJob>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKept: number,
  ) {}

  /** Registers a job whose answer `work` gives. */
  submit(model: string, work: Promise<EncodedResponse>): AsyncJob {
    this.expire();
    const job: AsyncJob = { id: randomUUID(), model, submitted: Date.now(), waiters: [] };
    this.jobs.set(job.id, job);
    work.then(
      (r) => (job.response = r),
      (e: ServingError) => (job.error = e),
    ).finally(() => {
      job.finished = Date.now();
      for (const w of job.waiters.splice(0)) w();
    });
    return job;
  }

  get(id: string): AsyncJob | undefined {
    this.expire();
    return this.jobs.get(id);
  }

  delete(id: string): boolean {
    return this.jobs.delete(id);
  }

  /** Waits up to `ms` for the job to finish. */
  wait(job: AsyncJob, ms: number): Promise<void> {
    if (job.finished !== undefined || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      job.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, j] of this.jobs) if (j.finished !== undefined && now - j.finished > this.ttlMs) this.jobs.delete(id);
    // Over the count: the oldest answered ones go first (Map keeps insertion order).
    for (const [id, j] of this.jobs) {
      if (this.jobs.size < this.maxKept) break;
      if (j.finished !== undefined) this.jobs.delete(id);
    }
  }
}
