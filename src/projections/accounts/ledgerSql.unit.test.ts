// The ledger page statement written out (ledgerSql.ts) is, text and bindings, the one knex compiles from
// filteredLedgers() with the ledger's order and columns, for every combination of the filters it takes;
// with a tag or a classification filter it leaves the statement to knex.
import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import { ledgerPageStatement } from './ledgerSql.js';
import {
  filteredLedgers,
  ledgerColumns,
  ledgerOrder,
  ledgerPredicates,
  type AccountFilters,
} from './queries.js';

const knex = knexFactory({ client: 'pg' });

const choices: { [K in keyof AccountFilters]: AccountFilters[K][] } = {
  includeDeleted: [undefined, true],
  instanceId: [undefined, '1201aa1c-9e80-4898-a6db-610f2f0e6503'],
  dbType: [undefined, 'mysql'],
  locked: [undefined, true, false],
  superuser: [undefined, false, true],
  search: [undefined, "Ro_le%4'\\"],
  capability: [undefined, 'GRANT_ADMIN'],
};

/** Every combination of the choices. */
function combinations(): AccountFilters[] {
  let out: AccountFilters[] = [{}];
  for (const [key, values] of Object.entries(choices))
    out = out.flatMap((f) => values.map((v) => (v === undefined ? f : { ...f, [key]: v })));
  return out;
}

const compiled = (filters: AccountFilters, usernames?: string[]) => {
  const native = filteredLedgers(knex, filters, usernames)
    .orderBy([...ledgerOrder])
    .select(...ledgerColumns)
    .toSQL()
    .toNative();
  return { sql: native.sql, bindings: [...native.bindings] };
};

describe('ledger page statement', () => {
  it("is knex's own for every combination of the filters, with and without the search's usernames", () => {
    const all = combinations();
    expect(all).toHaveLength(2 * 2 * 2 * 3 * 3 * 2 * 2);
    for (const filters of all)
      for (const usernames of [undefined, [], ['role_4', 'role_40', "o'brien"]]) {
        const written = ledgerPageStatement(ledgerColumns, filters, ledgerPredicates(filters), usernames);
        expect(written, JSON.stringify({ filters, usernames })).toEqual(compiled(filters, usernames));
      }
  });

  it('leaves tags and classifications to knex', () => {
    for (const filters of [{ tag: 'prod' }, { classificationId: 'c' }, { riskLevel: 'high' as const }])
      expect(
        ledgerPageStatement(ledgerColumns, filters, ledgerPredicates(filters), undefined),
      ).toBeUndefined();
    // Tag names that are all blank select nothing: the statement is written out.
    expect(ledgerPageStatement(ledgerColumns, { tag: ' , ' }, ledgerPredicates({}), undefined)).toEqual(
      compiled({ tag: ' , ' }),
    );
  });
});
