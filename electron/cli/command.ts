/** Where a command writes; the CLI passes the process streams, tests can pass their own. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
}

/** A CLI subcommand. `run` returns the exit code: 0 success, 1 a failed check; user errors throw WorkbenchError (2). */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}
