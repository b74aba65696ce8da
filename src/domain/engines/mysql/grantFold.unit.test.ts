import { describe, expect, it } from 'vitest';
import { databasePatternMatches, parseGrants } from './grants.js';

describe('parseGrants (folding one account)', () => {
  it('folds a MariaDB account with every kind of grant', () => {
    const folded = parseGrants([
      'GRANT `zz_role` TO `zz_a`@`%` WITH ADMIN OPTION',
      'GRANT `other_role` TO `zz_a`@`%`',
      "GRANT SUPER, REPLICATION SLAVE ON *.* TO `zz_a`@`%` IDENTIFIED BY PASSWORD '*14E65567ABDB5135D0CFD9A70B3032C179A49EE7' REQUIRE SSL",
      'GRANT SELECT, INSERT, LOCK TABLES ON `zz\\_probe`.* TO `zz_a`@`%`',
      'GRANT SELECT ON `zz%`.* TO `zz_a`@`%` WITH GRANT OPTION',
      'GRANT UPDATE ON `zz\\_probe`.* TO `zz_a`@`%`',
      'GRANT SELECT (`a`, `b`), INSERT, UPDATE (`c`) ON `zz_probe`.`t` TO `zz_a`@`%`',
      'GRANT SELECT (`d`) ON `zz_probe`.`t` TO `zz_a`@`%`',
      'GRANT EXECUTE ON PROCEDURE `zz_probe`.`p` TO `zz_a`@`%`',
      'GRANT PROXY ON ``@`%` TO `zz_a`@`%` WITH GRANT OPTION',
      'SET DEFAULT ROLE `zz_role` FOR `zz_a`@`%`',
    ]);
    expect(folded).toEqual({
      global: { privileges: ['REPLICATION SLAVE', 'SUPER'], grantOption: false },
      databases: {
        'zz%': { privileges: ['SELECT'], grantOption: true, wildcard: true },
        'zz\\_probe': {
          privileges: ['INSERT', 'LOCK TABLES', 'SELECT', 'UPDATE'],
          grantOption: false,
          wildcard: false,
        },
      },
      tables: { 'zz_probe.t': { privileges: ['INSERT'], grantOption: false } },
      columns: { 'zz_probe.t': { SELECT: ['a', 'b', 'd'], UPDATE: ['c'] } },
      routines: { 'PROCEDURE zz_probe.p': { privileges: ['EXECUTE'], grantOption: false } },
      roles: ['other_role', 'zz_role'],
      adminRoles: ['zz_role'],
      defaultRoles: ['zz_role'],
      proxy: [{ user: '', host: '%', grantOption: true }],
      partialRevokes: {},
      usageOnly: false,
      unparsed: [],
    });
  });

  it('folds MySQL 8 root: static and dynamic global privileges, proxy, grant option', () => {
    const folded = parseGrants([
      'GRANT SELECT, SUPER ON *.* TO `root`@`localhost` WITH GRANT OPTION',
      'GRANT BACKUP_ADMIN,BINLOG_ADMIN ON *.* TO `root`@`localhost` WITH GRANT OPTION',
      'GRANT PROXY ON ``@`` TO `root`@`localhost` WITH GRANT OPTION',
      'REVOKE INSERT ON `mysql`.* FROM `root`@`localhost`',
    ]);
    expect(folded.global).toEqual({
      privileges: ['BACKUP_ADMIN', 'BINLOG_ADMIN', 'SELECT', 'SUPER'],
      grantOption: true,
    });
    expect(folded.partialRevokes).toEqual({ mysql: ['INSERT'] });
    expect(folded.usageOnly).toBe(false);
  });

  it('a USAGE-only account is usageOnly, with an empty global set', () => {
    const folded = parseGrants([
      "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
    ]);
    expect(folded.global).toEqual({ privileges: [], grantOption: false });
    expect(folded.usageOnly).toBe(true);
    expect(folded.databases).toEqual({});
  });

  it('an account with only a role is not usageOnly', () => {
    expect(parseGrants(['GRANT USAGE ON *.* TO `u`@`%`', 'GRANT `r` TO `u`@`%`']).usageOnly).toBe(false);
  });

  it('keeps unknown lines (redacted) and is then not usageOnly', () => {
    const folded = parseGrants([
      'GRANT USAGE ON *.* TO `u`@`%`',
      "GRANT SOMETHING NEW ON *.* TO `u`@`%` IDENTIFIED VIA x USING 'secret'",
      "GRANT USAGE ON 'weird' TO `u`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
    ]);
    expect(folded.global.privileges).toEqual(['SOMETHING NEW']);
    expect(folded.unparsed).toEqual(["GRANT USAGE ON 'weird' TO `u`@`%` IDENTIFIED [REDACTED]"]);
    expect(folded.usageOnly).toBe(false);
  });

  it('an empty list folds to nothing', () => {
    const folded = parseGrants([]);
    expect(folded.global.privileges).toEqual([]);
    expect(folded.roles).toEqual([]);
    expect(folded.usageOnly).toBe(true);
  });
});

describe('databasePatternMatches (LIKE semantics of database-level grants)', () => {
  it.each([
    ['app_db', 'app_db', true],
    ['app_db', 'appXdb', true],
    ['app\\_db', 'app_db', true],
    ['app\\_db', 'appXdb', false],
    ['app%', 'application', true],
    ['app\\%', 'app%', true],
    ['app\\%', 'apps', false],
    ['a.b', 'aXb', false],
    ['App', 'app', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(databasePatternMatches(pattern, name)).toBe(expected);
  });
});
