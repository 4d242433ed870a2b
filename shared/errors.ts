/** An error the user can cause (bad file, bad option); `code` is stable, `message` is one line. */
export class WorkbenchError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'WorkbenchError';
  }
}
