import { WorkbenchError } from '../../shared/errors.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import type { JobInfo } from '../../shared/protocol/operations-api.js';
import { toWireError } from '../../shared/protocol/wire.js';

// Long work in the service (verification today; profiling, comparing and calibration later):
// each job runs on its own, reports progress as `progress` events with its jobId, can be
// cancelled, and is kept for polling after it ends. The call that starts one returns at once.

/** What a job's work gets: its cancel signal and a progress reporter. */
export interface JobControl {
  readonly signal: AbortSignal;
  progress(done: number, total: number, message: string): void;
}

interface Job {
  info: JobInfo;
  abort: AbortController;
  settled: Promise<JobInfo>;
}

/** Finished jobs kept for getJob; older ones are forgotten. */
const KEEP_FINISHED = 256;

export class Jobs {
  private readonly jobs = new Map<string, Job>();
  private next = 0;

  constructor(private readonly emit: (e: ProgressEvent) => void) {}

  /**
   * Starts `work` as a job and returns its info at once. `onEnd` sees how it ended (result or
   * error); a job cancelled while running ends as cancelled whatever its work does afterwards.
   */
  start<T>(kind: string, label: string, work: (c: JobControl) => Promise<T>, onEnd?: (info: JobInfo, result: T | undefined) => void): JobInfo {
    const jobId = `${kind}-${++this.next}`;
    const info: JobInfo = { jobId, kind, label, state: 'running', done: 0, total: 1, message: label, error: null };
    const abort = new AbortController();
    const control: JobControl = {
      signal: abort.signal,
      progress: (done, total, message) => {
        if (info.state !== 'running') return;
        Object.assign(info, { done, total, message });
        this.emit({ jobId, done, total, message });
      },
    };
    const finish = (state: JobInfo['state'], message: string, error: JobInfo['error'], result?: T): JobInfo => {
      if (info.state !== 'running') return info;
      Object.assign(info, { state, message, error, done: info.total });
      this.emit({ jobId, done: info.total, total: info.total, message });
      onEnd?.({ ...info }, result);
      this.forgetOld();
      return info;
    };
    this.emit({ jobId, done: 0, total: 1, message: label });
    const cancelled = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    const run = Promise.resolve()
      .then(() => work(control))
      .then(
        (result) => finish('done', `${label}: done`, null, result),
        (e: unknown) => (abort.signal.aborted ? finish('cancelled', `${label}: cancelled`, null) : finish('failed', `${label}: failed`, toWireError(e))),
      );
    // Cancel ends the job now; work stuck in native code (the runtime host is ended by its own handle) cannot hold it.
    const settled = Promise.race([run, cancelled.then(() => finish('cancelled', `${label}: cancelled`, null))]).then(() => ({ ...info }));
    this.jobs.set(jobId, { info, abort, settled });
    return { ...info };
  }

  private job(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new WorkbenchError('UNKNOWN_JOB', `no job "${jobId}" (it never ran here, or ended long ago)`);
    return job;
  }

  get(jobId: string): JobInfo {
    return { ...this.job(jobId).info };
  }

  /** Whether a job is still kept (running, or finished and not yet forgotten). */
  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  /** Cancels a running job; a finished one is left as it ended. */
  cancel(jobId: string): Promise<JobInfo> {
    const job = this.job(jobId);
    job.abort.abort();
    return job.settled;
  }

  /** Resolves when the job has ended (never rejects). */
  wait(jobId: string): Promise<JobInfo> {
    return this.job(jobId).settled;
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.info.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.info.jobId);
  }

  /** Cancels every running job. */
  cancelAll(): void {
    for (const j of this.jobs.values()) j.abort.abort();
  }
}
