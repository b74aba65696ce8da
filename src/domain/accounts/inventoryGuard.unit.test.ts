import { describe, expect, it } from 'vitest';
import { deactivationGuard } from './inventoryGuard.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
const guard = (activeBefore: number, deactivated: number, maxPercent = 50) =>
  deactivationGuard({ activeBefore, deactivated: names(deactivated), maxPercent });

describe('deactivationGuard', () => {
  it('trips when more than the limit of the known accounts would go, and at least 3', () => {
    expect(guard(12, 10).tripped).toBe(true);
    expect(guard(10, 6).tripped).toBe(true);
    expect(guard(3, 3).tripped).toBe(true);
  });

  it('exactly the limit, or fewer than 3 deactivations, pass', () => {
    expect(guard(10, 5).tripped).toBe(false);
    expect(guard(4, 2).tripped).toBe(false);
    expect(guard(2, 2).tripped).toBe(false);
    expect(guard(0, 0).tripped).toBe(false);
  });

  it('the limit is the configured percent: 0 stops any 3, 100 never trips', () => {
    expect(guard(1000, 3, 0).tripped).toBe(true);
    expect(guard(1000, 2, 0).tripped).toBe(false);
    expect(guard(10, 10, 100).tripped).toBe(false);
    expect(guard(10, 2, 10).tripped).toBe(false);
    expect(guard(20, 3, 10).tripped).toBe(true);
  });

  it('says how many of how many, the limit, what to do, and names the first accounts', () => {
    const { reason } = guard(12, 11);
    expect(reason).toContain('would deactivate 11 of 12 known accounts (92 %)');
    expect(reason).toContain('INVENTORY_MAX_DEACTIVATE_PERCENT (50 %)');
    expect(reason).toContain('confirm-inventory');
    expect(reason).toContain('u0, u1');
    expect(reason).toContain('u9, and 1 more');
    expect(reason).not.toContain('u10');
  });
});
