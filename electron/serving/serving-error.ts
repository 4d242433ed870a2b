// A refusal the model server answers with an HTTP status and a one-line message (KServe v2's
// error body is `{"error": "..."}`).

export class ServingError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers (Retry-After for 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'ServingError';
  }
}

export const badRequest = (message: string): ServingError => new ServingError(400, message);
