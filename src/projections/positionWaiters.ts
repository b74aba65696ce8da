// The waitForPosition callers of a projection runner: each resolves once the checkpoint reaches its
// position, or fails after its timeout.
import { comparePositions, type Position } from '../domain/events/envelope.js';

interface Waiter {
  position: Position;
  resolve(): void;
}

export class PositionWaiters {
  private waiters: Waiter[] = [];

  get size(): number {
    return this.waiters.length;
  }

  /** Resolves once release() is called with a checkpoint at or past `position`; rejects after `timeoutMs`. */
  add(position: Position, timeoutMs: number, timeoutError: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timeout);
          resolve();
        },
      };
      const timeout = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(timeoutError());
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  release(checkpoint: Position): void {
    const ready = this.waiters.filter((w) => comparePositions(checkpoint, w.position) >= 0);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
