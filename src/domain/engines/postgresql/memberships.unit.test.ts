// PostgreSQL accounts (accountInfo) and the membership closure (membershipsOf).
import { describe, expect, it } from 'vitest';
import { accountInfo } from './facts.js';
import { membershipsOf } from './memberships.js';
import { edge, now, role, roles } from '../../../../test/support/postgresRoles.js';

describe('PostgreSQL accounts and memberships', () => {
  it('account info: the bootstrap superuser is a system account; locked follows the lock reasons', () => {
    expect(accountInfo(role('postgres', { isBootstrap: true, rolsuper: true }), now)).toMatchObject({
      username: 'postgres',
      isSystem: true,
      locked: false,
      attributes: { rolsuper: true, is_bootstrap_superuser: true },
    });
    expect(accountInfo(roles[1]!, now)).toMatchObject({ isSystem: false, locked: true });
    expect(accountInfo(roles[5]!, now)).toMatchObject({ locked: true, attributes: { rolcanlogin: false } });
  });

  it('memberships: the shortest path wins, cycles and unknown members are harmless', () => {
    const edges = [
      edge(['a', 'b', false, true, 'x']),
      edge(['b', 'c', false, true, 'x']),
      edge(['a', 'c', true, false, 'x']),
      edge(['c', 'a', false, true, 'x']),
    ];
    expect(membershipsOf('a', edges).map((m) => [m.role, m.direct, m.via, m.inherits_privileges])).toEqual([
      ['b', true, null, true],
      ['c', true, null, true], // not through its own grant (inherit false), but through b
    ]);
    expect(membershipsOf('nobody', edges)).toEqual([]);
  });
});
