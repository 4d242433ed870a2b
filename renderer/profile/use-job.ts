import { useCallback, useEffect, useRef, useState } from 'react';
import type { Backend, ProgressEvent } from '../../shared/protocol/backend.js';
import type { JobInfo } from '../../shared/protocol/operations-api.js';

// A job the panel started: its progress (events with its jobId), cancel, and its result, read
// with `fetch` until the job has ended (polled too: events may come before the jobId is known).

const POLL_MS = 250;

export interface JobView<R> {
  job: JobInfo | null;
  progress: ProgressEvent | null;
  error: string | null;
  running: boolean;
  run(start: () => Promise<JobInfo>): Promise<R | null>;
  cancel(): void;
}

export function useJob<R>(backend: Backend, fetch: (jobId: string) => Promise<{ job: JobInfo; report: R | null }>): JobView<R> {
  const [job, setJob] = useState<JobInfo | null>(null);
  const [progress, setProgress] = useState<ProgressEvent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = useRef<string | null>(null);

  useEffect(
    () =>
      backend.onProgress((e) => {
        if (e.jobId === current.current) setProgress(e);
      }),
    [backend],
  );
  useEffect(() => () => void (current.current = null), []);

  const run = useCallback(
    async (start: () => Promise<JobInfo>): Promise<R | null> => {
      setError(null);
      setProgress(null);
      try {
        const started = await start();
        current.current = started.jobId;
        setJob(started);
        for (;;) {
          const r = await fetch(started.jobId);
          if (current.current !== started.jobId) return null;
          setJob(r.job);
          if (r.job.state !== 'running') {
            if (r.job.error) setError(r.job.error.message);
            return r.report;
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      } catch (e) {
        setError((e as Error).message);
        setJob(null);
        return null;
      }
    },
    [fetch],
  );

  const cancel = useCallback(() => {
    const id = current.current;
    if (id) backend.cancelJob(id).then(setJob, (e: Error) => setError(e.message));
  }, [backend]);

  return { job, progress, error, running: job?.state === 'running', run, cancel };
}
