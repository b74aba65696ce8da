// SHOW GRANTS lines as MariaDB prints them (10.6, 10.11 — checked against the local 10.11 — and 11.x),
// with their parse. No parse may keep authentication data.
import { describe, expect, it } from 'vitest';
import { parseGrant, type ParsedGrant } from './grants.js';
import { acct, priv, root } from '../../../../test/support/mysqlGrants.js';

const HASH = '*14E65567ABDB5135D0CFD9A70B3032C179A49EE7';
const a = acct('zz_a');
const b = acct('zz_b', '10.0.%');

const MARIADB_CASES: [string, string, ParsedGrant][] = [
  [
    '10.11',
    'GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA unix_socket OR mysql_native_password WITH GRANT OPTION',
    priv('*.*', ['ALL PRIVILEGES'], root, { grantOption: true }),
  ],
  [
    '10.11',
    'GRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION',
    { kind: 'proxy', proxied: acct(''), grantee: root, grantOption: true },
  ],
  [
    '10.11',
    'GRANT USAGE ON *.* TO `mariadb.sys`@`localhost`',
    priv('*.*', ['USAGE'], acct('mariadb.sys', 'localhost')),
  ],
  [
    '10.11',
    'GRANT SELECT, DELETE ON `mysql`.`global_priv` TO `mariadb.sys`@`localhost`',
    priv(['mysql', 'global_priv'], ['SELECT', 'DELETE'], acct('mariadb.sys', 'localhost')),
  ],
  [
    '10.11',
    "GRANT ALL PRIVILEGES ON *.* TO `mysql`@`localhost` IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket WITH GRANT OPTION",
    priv('*.*', ['ALL PRIVILEGES'], acct('mysql', 'localhost'), { grantOption: true }),
  ],
  [
    '10.11',
    'GRANT `zz_role` TO `zz_a`@`%` WITH ADMIN OPTION',
    { kind: 'role', roles: ['zz_role'], grantee: a, adminOption: true },
  ],
  [
    '10.11',
    `GRANT SUPER, REPLICATION SLAVE, BINLOG MONITOR, READ_ONLY ADMIN, SLAVE MONITOR ON *.* TO \`zz_a\`@\`%\` IDENTIFIED BY PASSWORD '${HASH}' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 10`,
    priv('*.*', ['SUPER', 'REPLICATION SLAVE', 'BINLOG MONITOR', 'READ_ONLY ADMIN', 'SLAVE MONITOR'], a),
  ],
  [
    '10.11',
    'GRANT SELECT, INSERT, CREATE TEMPORARY TABLES, LOCK TABLES, SHOW VIEW, CREATE ROUTINE ON `zz\\_probe`.* TO `zz_a`@`%`',
    priv(
      ['zz\\_probe'],
      ['SELECT', 'INSERT', 'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'SHOW VIEW', 'CREATE ROUTINE'],
      a,
    ),
  ],
  [
    '10.11',
    'GRANT SELECT ON `zz%`.* TO `zz_a`@`%` WITH GRANT OPTION',
    priv(['zz%'], ['SELECT'], a, { databaseWildcard: true, grantOption: true }),
  ],
  [
    '10.11',
    'GRANT SELECT (`a`, `b`), INSERT, UPDATE (`c`) ON `zz_probe`.`t` TO `zz_a`@`%`',
    priv(['zz_probe', 't'], ['INSERT'], a, { columns: { SELECT: ['a', 'b'], UPDATE: ['c'] } }),
  ],
  [
    '10.11',
    'GRANT EXECUTE ON PROCEDURE `zz_probe`.`p` TO `zz_a`@`%`',
    priv(['zz_probe', 'p'], ['EXECUTE'], a, { level: 'routine', routineType: 'PROCEDURE' }),
  ],
  [
    '10.11',
    'SET DEFAULT ROLE `zz_role` FOR `zz_a`@`%`',
    { kind: 'defaultRole', roles: ['zz_role'], grantee: a },
  ],
  [
    '10.11',
    "GRANT USAGE ON *.* TO `zz_o'q`@`h``x` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
    priv('*.*', ['USAGE'], acct("zz_o'q", 'h`x')),
  ],
  ['10.11', 'GRANT USAGE ON *.* TO `zz_role`', priv('*.*', ['USAGE'], acct('zz_role', null))],
  [
    '10.11',
    'GRANT SELECT ON `zz_probe`.* TO `zz_role`',
    priv(['zz_probe'], ['SELECT'], acct('zz_role', null), { databaseWildcard: true }),
  ],
  [
    '10.11',
    "GRANT RELOAD, PROCESS, FILE, SHOW DATABASES, BINLOG MONITOR, CREATE USER, CREATE TABLESPACE, FEDERATED ADMIN, CONNECTION ADMIN, REPLICATION MASTER ADMIN, BINLOG ADMIN, BINLOG REPLAY, SLAVE MONITOR ON *.* TO `zz_b`@`10.0.%` IDENTIFIED VIA mysql_native_password USING '*0D3CED9BEC10A777AEC23CCC353A8C08A633045E' OR unix_socket REQUIRE X509 WITH MAX_USER_CONNECTIONS 3 MAX_STATEMENT_TIME 2.500000",
    priv(
      '*.*',
      [
        'RELOAD',
        'PROCESS',
        'FILE',
        'SHOW DATABASES',
        'BINLOG MONITOR',
        'CREATE USER',
        'CREATE TABLESPACE',
        'FEDERATED ADMIN',
        'CONNECTION ADMIN',
        'REPLICATION MASTER ADMIN',
        'BINLOG ADMIN',
        'BINLOG REPLAY',
        'SLAVE MONITOR',
      ],
      b,
    ),
  ],
  [
    '10.11',
    'GRANT CREATE VIEW, EVENT, TRIGGER, DELETE HISTORY ON `zz\\_b\\%`.* TO `zz_b`@`10.0.%`',
    priv(['zz\\_b\\%'], ['CREATE VIEW', 'EVENT', 'TRIGGER', 'DELETE HISTORY'], b),
  ],
  [
    '10.11',
    'GRANT ALL PRIVILEGES ON `zz_pr``q`.* TO `zz_b`@`10.0.%` WITH GRANT OPTION',
    priv(['zz_pr`q'], ['ALL PRIVILEGES'], b, { databaseWildcard: true, grantOption: true }),
  ],
  [
    '10.11',
    'GRANT SELECT (`c``x`), INSERT (`d`), REFERENCES (`d`) ON `zz_pr``q`.`t``1` TO `zz_b`@`10.0.%`',
    priv(['zz_pr`q', 't`1'], [], b, { columns: { SELECT: ['c`x'], INSERT: ['d'], REFERENCES: ['d'] } }),
  ],
  [
    '10.11',
    'GRANT EXECUTE, ALTER ROUTINE ON FUNCTION `zz_pr``q`.`f` TO `zz_b`@`10.0.%`',
    priv(['zz_pr`q', 'f'], ['EXECUTE', 'ALTER ROUTINE'], b, { level: 'routine', routineType: 'FUNCTION' }),
  ],
  [
    '10.11',
    'GRANT PROXY ON `root`@`127.0.0.1` TO `zz_b`@`10.0.%`',
    { kind: 'proxy', proxied: acct('root', '127.0.0.1'), grantee: b, grantOption: false },
  ],
  [
    '10.11',
    "GRANT SELECT ON *.* TO `zz_c`@`localhost` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' WITH GRANT OPTION MAX_QUERIES_PER_HOUR 5",
    priv('*.*', ['SELECT'], acct('zz_c', 'localhost'), { grantOption: true }),
  ],
  [
    '10.11',
    'GRANT `zz_r1` TO `zz r2`',
    { kind: 'role', roles: ['zz_r1'], grantee: acct('zz r2', null), adminOption: false },
  ],
  [
    '10.6',
    "GRANT role_x TO 'u'@'%' WITH ADMIN OPTION",
    { kind: 'role', roles: ['role_x'], grantee: acct('u'), adminOption: true },
  ],
  [
    '10.6',
    'GRANT EXECUTE ON PACKAGE BODY `ora`.`pkg` TO `u`@`%`',
    priv(['ora', 'pkg'], ['EXECUTE'], acct('u'), { level: 'routine', routineType: 'PACKAGE BODY' }),
  ],
  [
    '11.4',
    'GRANT SELECT, SHOW CREATE ROUTINE ON `app`.* TO `dev`@`%`',
    priv(['app'], ['SELECT', 'SHOW CREATE ROUTINE'], acct('dev')),
  ],
  [
    '11.4',
    'GRANT ALL ON `app`.* TO `dev`@`localhost`;',
    priv(['app'], ['ALL PRIVILEGES'], acct('dev', 'localhost')),
  ],
  ['11.4', 'SET DEFAULT ROLE NONE FOR `dev`@`%`', { kind: 'defaultRole', roles: [], grantee: acct('dev') }],
];

describe('parseGrant, MariaDB', () => {
  it.each(MARIADB_CASES)('%s: %s', (_version, line, expected) => {
    expect(parseGrant(line)).toEqual(expected);
  });

  it('keeps no authentication data', () => {
    for (const [, line] of MARIADB_CASES) {
      const out = JSON.stringify(parseGrant(line));
      expect(out).not.toMatch(/[0-9A-F]{40}/);
      expect(out).not.toContain('invalid');
      expect(out).not.toContain('unix_socket');
    }
  });
});
