// Structured logs: one JSON object a line, with the time and, for requests, their id.

export type LogSink = (line: string) => void;

export class JsonLog {
  constructor(private readonly sink: LogSink) {}

  write(event: string, fields: Record<string, unknown> = {}): void {
    this.sink(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
  }
}
