// The inventory guard (docs/flows/accounts-sync.md#what-a-sync-may-claim): an inventory that would
// deactivate an implausible share of an instance's accounts is more likely a collector that lost its
// rights than a mass deletion, so it is not applied until an operator confirms it.

/** INVENTORY_MAX_DEACTIVATE_PERCENT's default. */
export const DEFAULT_MAX_DEACTIVATE_PERCENT = 50;
/** Fewer deactivations than this never trip the guard (a small instance losing 2 of 3 accounts is plausible). */
export const MIN_GUARDED_DEACTIVATIONS = 3;

export interface GuardVerdict {
  tripped: boolean;
  /** What the inventory would do and the limit, in an operator's words (set when tripped). */
  reason?: string;
}

/**
 * Trips when the inventory deactivates more than `maxPercent` % of the accounts active before it, and
 * at least MIN_GUARDED_DEACTIVATIONS of them.
 */
export function deactivationGuard(input: {
  activeBefore: number;
  deactivated: readonly string[];
  maxPercent: number;
}): GuardVerdict {
  const { activeBefore, deactivated, maxPercent } = input;
  const n = deactivated.length;
  if (n < MIN_GUARDED_DEACTIVATIONS || n * 100 <= activeBefore * maxPercent) return { tripped: false };
  const shown = deactivated.slice(0, 10).join(', ') + (n > 10 ? `, and ${n - 10} more` : '');
  const share = Math.round((n * 100) / Math.max(1, activeBefore));
  return {
    tripped: true,
    reason:
      `the inventory would deactivate ${n} of ${activeBefore} known accounts (${share} %), more than ` +
      `INVENTORY_MAX_DEACTIVATE_PERCENT (${maxPercent} %): nothing was written. If the collector lost ` +
      `its rights, restore them and retry; if these accounts are really gone, confirm the inventory ` +
      `(confirm-inventory). Would deactivate: ${shown}`,
  };
}
