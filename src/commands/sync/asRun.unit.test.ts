// asRun without a process registry (the CLI, the benchmarks): its signal takes a listener per attempt.
import { describe, expect, it } from 'vitest';
import { asRun } from './runSession.js';

describe('asRun without ProcessSessions', () => {
  it('hands a signal that 32 attempts listen to without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await asRun(undefined, { sessionId: 's', category: 'account' } as never, (signal) => {
        for (let i = 0; i < 32; i++) signal.addEventListener('abort', () => {});
        return Promise.resolve();
      });
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});
