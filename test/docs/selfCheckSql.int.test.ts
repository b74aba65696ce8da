// Every statement of every `## Self-check SQL` section parses and plans against the real schema: EXPLAIN
// (no ANALYZE: nothing runs) on a freshly migrated database. A renamed column or table fails here. psql
// pg-boss's schema, which the scheduler's queries read, is pg-boss's own: started once to create it. psql
// variables (`:'session'`) are bound to a value of the right kind first; the statements are split on
// semicolons outside quotes and comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBoss } from '../../src/adapters/queue/pgBoss.js';
import { createLogger } from '../../src/logger.js';
import { docFiles, readDoc } from '../support/docs/markdown.js';
import { postgresService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const SECTION = 'Self-check SQL';
/** Values for the psql variables the docs use; another name gets a text value. */
const variables: Record<string, string> = {
  session: "'00000000-0000-0000-0000-000000000000'",
  tz: "'UTC'",
};

function statements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      cur += '\n';
    } else if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      cur += sql.slice(i, end + 1);
      i = end;
    } else if (ch === ';') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter(Boolean);
}

const bind = (sql: string) => sql.replace(/(?<!:):'(\w+)'/g, (_m, name: string) => variables[name] ?? "'0'");

const checks = docFiles().flatMap((file) =>
  readDoc(file)
    .fences.filter((f) => f.section === SECTION && f.lang === 'sql')
    .flatMap((f) => statements(f.text).map((sql) => ({ where: `${file}:${f.line}`, sql }))),
);

const pg = postgresService();

describe.skipIf(!pg.url)(titled('self-check SQL of the docs', pg), () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const boss = await openBoss({
      connectionString: db.url,
      schema: 'pgboss',
      schedule: false,
      supervise: false,
      logger: createLogger({ level: 'silent' }),
      max: 1,
    });
    await boss.stop({ graceful: false, wait: true });
  });
  afterAll(() => db?.drop());

  it('finds the statements', () => {
    expect(checks.length).toBeGreaterThan(20);
  });

  it('EXPLAINs every statement on the migrated schema', async () => {
    const failures: string[] = [];
    for (const { where, sql } of checks) {
      try {
        await db.pool.query(`EXPLAIN ${bind(sql)}`);
      } catch (e) {
        failures.push(`${where}: ${(e as Error).message}\n  ${sql.split('\n')[0]}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
