// SHOW GRANTS lines as MySQL 5.7 and 8.0 print them, with their parse. MariaDB lines are in
// grants.mariadb.unit.test.ts, folding in grantFold.unit.test.ts.
import { describe, expect, it } from 'vitest';
import { parseGrant, type ParsedGrant, type PrivilegeGrant } from './grants.js';
import { acct, priv, root } from '../../../../test/support/mysqlGrants.js';

const withGrant = { grantOption: true };

const MYSQL_ROOT_STATIC =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, SHUTDOWN, PROCESS, FILE, REFERENCES, INDEX, ALTER, ' +
  'SHOW DATABASES, SUPER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, ' +
  'REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, ' +
  'CREATE TABLESPACE, CREATE ROLE, DROP ROLE';
const MYSQL_ROOT_DYNAMIC =
  'APPLICATION_PASSWORD_ADMIN,AUDIT_ABORT_EXEMPT,AUDIT_ADMIN,AUTHENTICATION_POLICY_ADMIN,BACKUP_ADMIN,' +
  'BINLOG_ADMIN,BINLOG_ENCRYPTION_ADMIN,CLONE_ADMIN,CONNECTION_ADMIN,ENCRYPTION_KEY_ADMIN,FIREWALL_EXEMPT,' +
  'FLUSH_OPTIMIZER_COSTS,FLUSH_STATUS,FLUSH_TABLES,FLUSH_USER_RESOURCES,GROUP_REPLICATION_ADMIN,' +
  'INNODB_REDO_LOG_ARCHIVE,PASSWORDLESS_USER_ADMIN,PERSIST_RO_VARIABLES_ADMIN,REPLICATION_APPLIER,' +
  'REPLICATION_SLAVE_ADMIN,RESOURCE_GROUP_ADMIN,RESOURCE_GROUP_USER,ROLE_ADMIN,SERVICE_CONNECTION_ADMIN,' +
  'SESSION_VARIABLES_ADMIN,SET_USER_ID,SHOW_ROUTINE,SYSTEM_USER,SYSTEM_VARIABLES_ADMIN,' +
  'TABLE_ENCRYPTION_ADMIN,XA_RECOVER_ADMIN';
const list = (s: string) => s.split(/,\s*/);

const MYSQL_CASES: [string, string, ParsedGrant][] = [
  // MySQL 5.7
  ['5.7', "GRANT USAGE ON *.* TO 'app'@'%'", priv('*.*', ['USAGE'], acct('app'))],
  [
    '5.7',
    "GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION",
    priv('*.*', ['ALL PRIVILEGES'], root, withGrant),
  ],
  [
    '5.7',
    "GRANT PROXY ON ''@'' TO 'root'@'localhost' WITH GRANT OPTION",
    { kind: 'proxy', proxied: acct('', ''), grantee: root, grantOption: true },
  ],
  [
    '5.7',
    "GRANT SELECT ON `performance_schema`.* TO 'mysql.session'@'localhost'",
    priv(['performance_schema'], ['SELECT'], acct('mysql.session', 'localhost'), { databaseWildcard: true }),
  ],
  [
    '5.7',
    "GRANT SELECT ON `mysql`.`user` TO 'mysql.session'@'localhost'",
    priv(['mysql', 'user'], ['SELECT'], acct('mysql.session', 'localhost')),
  ],
  [
    '5.7',
    "GRANT TRIGGER ON `sys`.* TO 'mysql.sys'@'localhost'",
    priv(['sys'], ['TRIGGER'], acct('mysql.sys', 'localhost')),
  ],
  [
    '5.7',
    "GRANT SUPER ON *.* TO 'mysql.session'@'localhost'",
    priv('*.*', ['SUPER'], acct('mysql.session', 'localhost')),
  ],
  [
    '5.7',
    "GRANT ALL PRIVILEGES ON `app\\_db`.* TO 'app'@'10.0.%'",
    priv(['app\\_db'], ['ALL PRIVILEGES'], acct('app', '10.0.%')),
  ],
  [
    '5.7',
    "GRANT SELECT (`id`, `name`), UPDATE (`name`) ON `shop`.`customers` TO 'report'@'%'",
    priv(['shop', 'customers'], [], acct('report'), {
      columns: { SELECT: ['id', 'name'], UPDATE: ['name'] },
    }),
  ],
  [
    '5.7',
    "GRANT EXECUTE ON PROCEDURE `shop`.`refresh_stats` TO 'report'@'%'",
    priv(['shop', 'refresh_stats'], ['EXECUTE'], acct('report'), {
      level: 'routine',
      routineType: 'PROCEDURE',
    }),
  ],
  [
    '5.6',
    "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%' IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9' REQUIRE SSL",
    priv('*.*', ['REPLICATION SLAVE', 'REPLICATION CLIENT'], acct('repl')),
  ],
  [
    '5.7',
    "GRANT SELECT ON `app%`.* TO 'reader'@'%' WITH GRANT OPTION",
    priv(['app%'], ['SELECT'], acct('reader'), { databaseWildcard: true, grantOption: true }),
  ],
  ['5.7', "GRANT USAGE ON *.* TO 'o''brien'@'%'", priv('*.*', ['USAGE'], acct("o'brien"))],
  ['5.7', "GRANT USAGE ON *.* TO 'o\\'brien'@'h\\\\x'", priv('*.*', ['USAGE'], acct("o'brien", 'h\\x'))],
  [
    '5.7',
    "GRANT SELECT, INSERT ON `db`.* TO 'u'@'%' WITH MAX_QUERIES_PER_HOUR 100 GRANT OPTION",
    priv(['db'], ['SELECT', 'INSERT'], acct('u'), withGrant),
  ],
  // MySQL 8.0
  [
    '8.0',
    `GRANT ${MYSQL_ROOT_STATIC} ON *.* TO \`root\`@\`localhost\` WITH GRANT OPTION`,
    priv('*.*', list(MYSQL_ROOT_STATIC), root, withGrant),
  ],
  [
    '8.0',
    `GRANT ${MYSQL_ROOT_DYNAMIC} ON *.* TO \`root\`@\`localhost\` WITH GRANT OPTION`,
    priv('*.*', list(MYSQL_ROOT_DYNAMIC), root, withGrant),
  ],
  [
    '8.0',
    'GRANT PROXY ON ``@`` TO `root`@`localhost` WITH GRANT OPTION',
    { kind: 'proxy', proxied: acct('', ''), grantee: root, grantOption: true },
  ],
  [
    '8.0',
    'GRANT BACKUP_ADMIN,BINLOG_ADMIN ON *.* TO `backup`@`%`',
    priv('*.*', ['BACKUP_ADMIN', 'BINLOG_ADMIN'], acct('backup')),
  ],
  [
    '8.0',
    'GRANT `app_read`@`%`,`app_write`@`%` TO `alice`@`%`',
    { kind: 'role', roles: ['app_read@%', 'app_write@%'], grantee: acct('alice'), adminOption: false },
  ],
  [
    '8.0',
    "GRANT 'r1'@'%','r2'@'%' TO 'u'@'%'",
    { kind: 'role', roles: ['r1@%', 'r2@%'], grantee: acct('u'), adminOption: false },
  ],
  [
    '8.0',
    'GRANT `app_admin`@`%` TO `bob`@`%` WITH ADMIN OPTION',
    { kind: 'role', roles: ['app_admin@%'], grantee: acct('bob'), adminOption: true },
  ],
  [
    '8.0',
    'GRANT AUDIT_ABORT_EXEMPT,FIREWALL_EXEMPT,SYSTEM_USER ON *.* TO `mysql.infoschema`@`localhost`',
    priv(
      '*.*',
      ['AUDIT_ABORT_EXEMPT', 'FIREWALL_EXEMPT', 'SYSTEM_USER'],
      acct('mysql.infoschema', 'localhost'),
    ),
  ],
  [
    '8.0',
    'REVOKE INSERT, UPDATE, DELETE ON `mysql`.* FROM `u1`@`%`',
    { kind: 'revoke', database: 'mysql', privileges: ['INSERT', 'UPDATE', 'DELETE'], grantee: acct('u1') },
  ],
  [
    '8.0',
    'GRANT SELECT ON `world`.`city` TO `u`@`localhost` WITH GRANT OPTION',
    priv(['world', 'city'], ['SELECT'], acct('u', 'localhost'), withGrant),
  ],
  [
    '8.0',
    'GRANT EXECUTE ON FUNCTION `app`.`calc` TO `u`@`%`',
    priv(['app', 'calc'], ['EXECUTE'], acct('u'), { level: 'routine', routineType: 'FUNCTION' }),
  ],
  [
    '8.0',
    'SET DEFAULT ROLE `app_read`@`%` TO `alice`@`%`',
    { kind: 'defaultRole', roles: ['app_read@%'], grantee: acct('alice') },
  ],
];

describe('parseGrant, MySQL 5.7 and 8.0', () => {
  it.each(MYSQL_CASES)('%s: %s', (_version, line, expected) => {
    expect(parseGrant(line)).toEqual(expected);
  });

  it('reports the wildcard status of database patterns', () => {
    const wildcard = (line: string) => (parseGrant(line) as PrivilegeGrant).databaseWildcard;
    expect(wildcard("GRANT SELECT ON `app_db`.* TO 'u'@'%'")).toBe(true); // `_` matches any character
    expect(wildcard("GRANT SELECT ON `app\\_db`.* TO 'u'@'%'")).toBe(false);
    expect(wildcard("GRANT SELECT ON `app\\%`.* TO 'u'@'%'")).toBe(false);
    expect(wildcard("GRANT SELECT ON `app%`.* TO 'u'@'%'")).toBe(true);
    expect(wildcard("GRANT SELECT ON `appdb`.* TO 'u'@'%'")).toBe(false);
  });
});

describe('parseGrant, lines it does not understand', () => {
  it.each([
    ['', ''],
    ['Grants for root@localhost', 'Grants for root@localhost'],
    ['GRANT SELECT ON TO `u`@`%`', 'GRANT SELECT ON TO `u`@`%`'],
    ['GRANT SELECT ON `db`.* TO', 'GRANT SELECT ON `db`.* TO'],
    ['GRANT SELECT ON `db`.`t`.`x` TO `u`@`%`', 'GRANT SELECT ON `db`.`t`.`x` TO `u`@`%`'],
    ['GRANT SELECT (`a`) ON `db`.* TO `u`@`%`', 'GRANT SELECT (`a`) ON `db`.* TO `u`@`%`'],
    ["GRANT 'unterminated ON *.* TO u", "GRANT 'unterminated ON *.* TO u"],
    [
      "CREATE USER `u`@`%` IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'",
      'CREATE USER `u`@`%` IDENTIFIED [REDACTED]',
    ],
    ["ALTER USER 'u'@'%' PASSWORD EXPIRE", "ALTER USER 'u'@'%' PASSWORD [REDACTED]"],
  ])('%j is unparsed', (line, kept) => {
    expect(parseGrant(line)).toEqual({ kind: 'unparsed', line: kept });
  });
});
