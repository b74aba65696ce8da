// Work that outlives the request that started it (a sync session, an operator's retry). On shutdown,
// ProcessSessions.stop() has already ended the records this process owned (abandoned, reason `shutdown`)
// and aborted their attempts; close() then waits for the tasks a while, so they return before the store closes.
export class BackgroundTasks {
  private readonly running = new Set<Promise<unknown>>();

  track(task: Promise<unknown>, onError: (err: unknown) => void): void {
    const guarded = task.catch(onError).finally(() => this.running.delete(guarded));
    this.running.add(guarded);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task ended or after timeoutMs, whichever comes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const all = Promise.allSettled([...this.running]).then(() => true as const);
    try {
      return await Promise.race([all, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
