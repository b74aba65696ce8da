// Every flow doc's `## Reproduce with curl` section, run as written: its ```bash blocks top to bottom in one
// bash (test/support/docs/reproduce.ts), against the built server on a fresh database, with the local
// MariaDB and PostgreSQL reachable through least-privilege collector accounts and the variables the flow
// index names (docs/flows/README.md#reproduce-with-curl). Each curl marked `# expect NNN` must answer NNN;
// the script must exit 0. One server per doc: each doc registers its own instances.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startApiServer } from '../support/apiServer.js';
import { docFiles, readDoc } from '../support/docs/markdown.js';
import { REPRODUCE, reproductionScript } from '../support/docs/reproduce.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { freePort } from '../support/net.js';
import { createPostgresCollector, dropPostgresCollector } from '../support/postgresCollector.js';
import { monitoredPostgresService, mysqlService, titled, type ServiceStatus } from '../support/services.js';

const maria = mysqlService();
const postgres = monitoredPostgresService();
const both: ServiceStatus = { url: maria.url && postgres.url, reason: maria.reason ?? postgres.reason };
const p = `wfd_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

const flowDocs = docFiles().filter(
  (f) =>
    f.startsWith('docs/flows/') &&
    readDoc(f).fences.some((fence) => fence.section === REPRODUCE && fence.lang === 'bash'),
);

function runBash(script: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['-c', script], { env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

describe.skipIf(!both.url)(titled('the flow docs reproduce as written', both), () => {
  let root: mysql.Connection;
  let admin: pg.Client;
  let deadPort: number;
  // A server that accepts connections and never answers: a hung instance.
  let silent: Server;
  const held: Socket[] = [];

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: maria.url! });
    await createCollector(root, collector.user, collector.password);
    admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await createPostgresCollector(admin, collector.user, collector.password);
    // A port nothing listens on: free a moment ago, not bound by anyone now.
    deadPort = await freePort();
    silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
    if (root) {
      await dropCollector(root, collector.user);
      await root.end();
    }
    if (admin) {
      await dropPostgresCollector(admin, collector.user);
      await admin.end();
    }
  });

  it('finds the flow docs with reproductions', () => {
    expect(flowDocs).toContain('docs/flows/login.md');
  });

  it.each(flowDocs)('%s', { timeout: 240_000 }, async (file) => {
    const { script, curls } = reproductionScript(file);
    expect(curls.length).toBeGreaterThan(0);
    // `<!-- doccheck: env NAME=value -->`: the server of this doc runs with that setting.
    const env = Object.fromEntries(
      readDoc(file).lines.flatMap((l) => {
        const m = /<!--\s*doccheck:\s*env\s+(\w+)=(\S+)\s*-->/.exec(l);
        return m ? [[m[1]!, m[2]!]] : [];
      }),
    );
    const api = await startApiServer(env);
    const log = path.join(tmpdir(), `${p}-${path.basename(file)}.status`);
    writeFileSync(log, '');
    try {
      const m = new URL(maria.url!);
      const g = new URL(postgres.url!);
      const { code, output } = await runBash(script, {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        WF: api.baseUrl,
        ADMIN_PASSWORD,
        MARIADB_HOST: m.hostname,
        MARIADB_PORT: m.port || '3306',
        MARIADB_USER: collector.user,
        MARIADB_PASSWORD: collector.password,
        PG_HOST: g.hostname,
        PG_PORT: g.port || '5432',
        PG_USER: collector.user,
        PG_PASSWORD: collector.password,
        DEAD_PORT: String(deadPort),
        SILENT_PORT: String((silent.address() as { port: number }).port),
        WF_STATUS_LOG: log,
      });
      const statuses = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' '));
      const wrong = statuses.filter(([, expected, got]) => expected !== got).map((s) => s.join(' '));
      const seen = statuses.map((s) => s.join(' ')).join('\n');
      expect(code, `the script failed ("where expected got"):\n${seen}\n${output}`).toBe(0);
      expect(wrong, `"where expected got", with the output:\n${output}`).toEqual([]);
      // Every marked curl of the doc ran (a loop runs one several times).
      const ran = new Set(statuses.map(([where]) => where));
      expect(curls.filter((c) => !ran.has(c))).toEqual([]);
    } finally {
      rmSync(log, { force: true });
      await api.stop();
    }
  });
});
