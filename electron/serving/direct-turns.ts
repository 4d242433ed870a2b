// The runtime host's direct requests take turns at its session. onnxruntime runs one inference
// at a time on the host's thread anyway, so a request that finds the host running another waits
// here, first come first served, and runs as soon as the host is free: its connection stays on
// the host (sending it back to the server's queue would put every later request on it through
// three process hops).

export class RunTurns {
  private readonly waiting: (() => void)[] = [];
  /** A direct request has the turn: it runs, or it was woken to. */
  private held = false;
  /** The next waiter is to be woken when the host is free. */
  private waking = false;

  constructor(
    /** Whether the host is running an inference now (a direct one or one the server sent). */
    private readonly busy: () => boolean,
    /** Resolves once it runs none. */
    private readonly free: () => Promise<void>,
  ) {}

  /** Requests waiting for their turn. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Whether a request taken now would wait for its turn. */
  wouldWait(): boolean {
    return this.held || this.busy() || this.waiting.length > 0;
  }

  /** Runs `work` once the host is free and the requests that came before have had their turn. */
  async take<T>(work: () => Promise<T>): Promise<T> {
    if (this.wouldWait()) {
      await new Promise<void>((r) => {
        this.waiting.push(r);
        this.wakeNext();
      });
    } else this.held = true;
    try {
      return await work();
    } finally {
      this.held = false;
      this.wakeNext();
    }
  }

  /** Gives the turn to the first waiter once the host is free (one hand-over at a time). */
  private wakeNext(): void {
    if (this.held || this.waking || !this.waiting.length) return;
    this.waking = true;
    void this.free().then(() => {
      this.waking = false;
      this.held = true;
      this.waiting.shift()!();
    });
  }
}
