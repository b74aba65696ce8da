// `whalefall tags` as an operator runs it, against the built binary and a running server: create (a name
// taken in another case is refused), assign by name in any case and by comma lists (a receipt line per
// instance, then the summary), the list with its counts once the server's projections take the changes in,
// an assignment with an instance in the recycle bin (its own failed item, exit code 1, the others applied),
// unknown tags and instances (refused by name, exit code 2, nothing run), and remove --all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, TEST_SECRET_KEY, type ApiServer } from '../support/apiServer.js';
import { runCliToEnd } from '../support/cliProcess.js';

const SUMMARY = /^session [0-9a-f-]{36}: (\d+) instances, (\d+) applied, (\d+) unchanged, (\d+) failed$/m;

describe('whalefall tags', () => {
  let api: ApiServer;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};
  const cli = (...args: string[]) => runCliToEnd(['tags', ...args], env);
  const summary = (stdout: string) => stdout.match(SUMMARY)?.slice(1).map(Number);
  /** The list's instance count of `name`, from --json. */
  const heldBy = async (name: string) => {
    const run = await cli('list', '--json');
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { name: string; instance_count: number; deleted_instance_count: number });
    return rows.find((r) => r.name === name);
  };

  beforeAll(async () => {
    api = await startApiServer();
    const token = await api.adminToken();
    env = { DATABASE_URL: api.db.url, WHALEFALL_SECRET_KEY: TEST_SECRET_KEY };
    for (const name of ['Maria-A', 'Pg-B', 'Gone-C']) {
      const res = await api.call<{ data: { id: string } }>('POST', '/instances', {
        token,
        body: { name, db_type: 'mysql', host: `${name.toLowerCase()}.example`, port: 3306 },
      });
      expect(res.status).toBe(201);
      ids[name] = res.body.data.id;
    }
    expect((await api.call('DELETE', `/instances/${ids['Gone-C']}`, { token })).status).toBe(200);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('creates, assigns to two instances, lists the count, refuses a deleted instance per item, removes all', async () => {
    const prod = await cli('create', 'prod', '--display-name', 'Production', '--category', 'env');
    expect(prod.code, prod.stderr).toBe(0);
    expect(prod.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    expect((await cli('create', 'pci', '--category', 'compliance')).code).toBe(0);
    const taken = await cli('create', 'PROD');
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/whalefall: .*prod/i);

    // Tags by name in any case and by id; instances by name in any case and by id, comma lists too.
    const assign = await cli(
      'assign',
      '--tag',
      `PROD,pci`,
      '--tag',
      prod.stdout.trim(),
      '--instance',
      'maria-a',
      '--instance',
      ids['Pg-B']!,
    );
    expect(assign.code, assign.stdout + assign.stderr).toBe(0);
    expect(assign.stdout).toContain('Maria-A  applied  added prod,pci');
    expect(assign.stdout).toContain('Pg-B  applied  added prod,pci');
    expect(summary(assign.stdout)).toEqual([2, 2, 0, 0]);

    // Again: nothing changes, nothing fails.
    const again = await cli('assign', '--tag', 'prod', '--instance', 'Maria-A,Pg-B');
    expect(again.code).toBe(0);
    expect(summary(again.stdout)).toEqual([2, 0, 2, 0]);

    await expect.poll(async () => (await heldBy('prod'))?.instance_count, { timeout: 20_000 }).toBe(2);
    const table = await cli('list', '--category', 'env');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+DISPLAY NAME\s+CATEGORY\s+ACTIVE\s+INSTANCES$/m);
    expect(table.stdout).toMatch(/^prod\s+Production\s+env\s+yes\s+2$/m);
    expect(table.stdout).not.toContain('pci');

    // An instance in the recycle bin fails as its own item; the other is still applied. Exit code 1.
    const mixed = await cli('assign', '--tag', 'pci', '--instance', ids['Gone-C']!, '--instance', 'maria-a');
    expect(mixed.code, mixed.stdout + mixed.stderr).toBe(1);
    expect(mixed.stdout).toMatch(/^Gone-C {2}failed {2}INSTANCE_DELETED: .*recycle bin/m);
    expect(mixed.stdout).toContain('Maria-A  unchanged');
    expect(summary(mixed.stdout)).toEqual([2, 0, 1, 1]);

    const removed = await cli('remove', '--all', '--instance', 'maria-a,pg-b');
    expect(removed.code, removed.stdout + removed.stderr).toBe(0);
    expect(removed.stdout).toContain('Maria-A  applied  removed prod,pci');
    expect(removed.stdout).toContain('Pg-B  applied  removed prod,pci');
    expect(summary(removed.stdout)).toEqual([2, 2, 0, 0]);
    await expect.poll(async () => (await heldBy('prod'))?.instance_count, { timeout: 20_000 }).toBe(0);
  });

  it('an unknown tag or instance is refused by name with exit code 2, and nothing runs', async () => {
    const tag = await cli('assign', '--tag', 'nope', '--instance', 'maria-a');
    expect(tag.code).toBe(2);
    expect(tag.stderr).toContain("unknown tag 'nope': no tag has that name or id");
    const instance = await cli('assign', '--tag', 'pci', '--instance', 'maria');
    expect(instance.code).toBe(2);
    expect(instance.stderr).toContain(
      "unknown instance 'maria': no instance has that name or id (did you mean 'Maria-A'?)",
    );
    for (const run of [tag, instance]) {
      expect(run.stdout).not.toMatch(SUMMARY);
      expect(run.stderr).not.toMatch(/select|\n\s+at /i);
    }
    const both = await cli('remove', '--all', '--tag', 'pci', '--instance', 'maria-a');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either --tag or --all');
    const { rows } = await api.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE type = 'SessionStarted' AND data->>'category' = 'tags'",
    );
    expect(rows[0]!.n).toBe(4); // the four bulk runs of the first test, none of these
  });
});
