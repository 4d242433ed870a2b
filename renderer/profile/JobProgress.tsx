import type { JobView } from './use-job.js';

/** A running job's progress bar and Cancel button; how it ended once it has. */
export function JobProgress({ view, label }: { view: JobView<unknown>; label: string }) {
  const { job, progress, error } = view;
  if (!job && !error) return null;
  const fraction = progress && progress.total > 0 ? progress.done / progress.total : 0;
  return (
    <div className="job-progress">
      {view.running ? (
        <>
          <progress aria-label={`${label} progress`} max={1} value={fraction} />
          <span className="job-message">{progress?.message ?? job?.message}</span>
          <button type="button" onClick={view.cancel}>
            Cancel
          </button>
        </>
      ) : job?.state === 'cancelled' ? (
        <p className="job-message">{`${label} cancelled`}</p>
      ) : null}
      {error ? (
        <p className="job-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
