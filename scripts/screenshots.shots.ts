// `npm run screenshots`: writes a PNG of every console page to docs/screenshots/ (shown in the README).
// It runs what the browser tests run: the built server on a fresh database of the local PostgreSQL,
// the local MariaDB registered and synced (accounts, capacity, a day's aggregation), an instance that
// cannot be reached (a failed session needing attention), a tag, a classification and a rule; then Debian's
// Chromium visits each page. Needs TEST_DATABASE_URL and TEST_MYSQL_URL (defaults: the local servers).
// It runs under vitest (scripts/screenshots.vitest.config.ts) because the test support it shares with the
// browser tests does; it is not part of `npm test`.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { it } from 'vitest';
import { registerCollector, syncAccountsAndWait } from '../test/support/apiInstances.js';
import { startConsole, type ConsoleFixture } from '../test/support/consoleFixture.js';

const outDir = path.resolve(import.meta.dirname, '../docs/screenshots');

type Data = { data: Record<string, unknown> & { id: string; session_id: string } };

async function seed(fixture: ConsoleFixture) {
  const { api } = fixture;
  const token = await fixture.adminToken();
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await api.call<Data>(method, p, { token, body });
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const mariadb = await fixture.mariadb();
  const collector = { user: mariadb.username, password: mariadb.password };
  const orders = await registerCollector(
    api,
    token,
    'orders-mariadb',
    process.env.TEST_MYSQL_URL!,
    collector,
  );
  // Nothing listens on port 9: its sync fails, and the overview lists the session as needing attention.
  await registerCollector(api, token, 'legacy-mysql', process.env.TEST_MYSQL_URL!, collector, {
    host: '127.0.0.1',
    port: 9,
  });
  await syncAccountsAndWait(api, token, orders);
  // A revoke between two syncs: the account's change history has a row, and its facts differ by date.
  const beforeRevoke = new Date().toISOString();
  await mariadb.root.query(`REVOKE DELETE ON \`${mariadb.database}\`.* FROM ?@'%'`, [mariadb.appUser]);
  const accountSession = await syncAccountsAndWait(api, token, orders);
  const capacity = await call('POST', `/instances/${orders}/actions/sync-capacity`);
  await waitForSession(fixture, token, capacity.session_id);
  await call('POST', '/capacity/aggregations/current', {});
  const failed = await call('POST', '/instances/actions/sync-accounts', {});
  await waitForSession(fixture, token, failed.session_id);
  const classification = await call('POST', '/accounts/classifications', {
    name: 'Readers of production data',
    risk_level: 'medium',
  });
  await call('POST', '/accounts/classifications/rules', {
    classification_id: classification.id,
    db_type: 'mysql',
    rule_name: 'SELECT on any database',
    expression: { version: 4, expr: { fn: 'has_privilege', args: { name: 'SELECT', scope: 'database' } } },
  });
  const run = await call('POST', '/scheduler/jobs/classify_accounts/actions/run');
  if (run.session_id) await waitForSession(fixture, token, run.session_id);
  await call('POST', '/users', { username: 'auditor', password: 'auditor-password-1', role: 'viewer' });
  const tag = await call('POST', '/tags', {
    name: 'production',
    display_name: 'Production',
    category: 'env',
  });
  await call('POST', '/tags/bulk/actions/assign', { instance_ids: [orders], tag_ids: [tag.id] });
  const account = (
    await api.call<{ data: { id: string; username?: string }[] }>(
      'GET',
      `/accounts/ledgers?instance_id=${orders}&search=${mariadb.appUser}`,
      { token },
    )
  ).body.data[0];
  return {
    orders,
    accountSession,
    failedSession: failed.session_id,
    account: account?.id,
    beforeRevoke,
    classification: classification.id,
  };
}

async function waitForSession(fixture: ConsoleFixture, token: string, id: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const res = await fixture.api.call<{ data: { status: string } }>('GET', `/sync-sessions/${id}`, {
      token,
    });
    if (res.body.data?.status && res.body.data.status !== 'running') return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`session ${id} still running after 60 s`);
}

/** Waits for the page's data: its heading, and no "Loading…" left. */
async function settle(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor();
  // A function, not a string: the page's CSP refuses eval. Typed without the DOM library.
  await page.waitForFunction(
    () =>
      !(
        globalThis as unknown as { document: { body: { innerText: string } } }
      ).document.body.innerText.includes('Loading…'),
    undefined,
    { timeout: 15_000 },
  );
  await page.waitForTimeout(400); // charts draw on the next frame
}

async function main(): Promise<void> {
  const fixture = await startConsole({ WHALEFALL_SCHEDULER: 'on' });
  try {
    const ids = await seed(fixture);
    await fs.mkdir(outDir, { recursive: true });
    const { page, context } = await fixture.open('admin');
    const shots: [string, string][] = [
      ['overview', '/'],
      ['instances', '/instances'],
      ['instance-detail', `/instances/${ids.orders}`],
      ['sessions', '/sessions'],
      ['session-detail', `/sessions/${ids.accountSession}`],
      ['session-failed', `/sessions/${ids.failedSession}`],
      ['accounts', '/accounts'],
      ...((ids.account
        ? [
            ['account-detail', `/accounts/${ids.account}`],
            ['account-as-of', `/accounts/${ids.account}?as_of=${encodeURIComponent(ids.beforeRevoke)}`],
          ]
        : []) as [string, string][]),
      ['capacity', `/capacity?instance_id=${ids.orders}`],
      ['capacity-databases', `/capacity?level=databases&instance_id=${ids.orders}`],
      ['classifications', `/classifications?id=${ids.classification}`],
      ['rules', '/classifications/rules'],
      ['tags', '/tags'],
      ['scheduler', '/scheduler?job=classify_accounts'],
      ['partitions', '/partitions'],
      ['users', '/users'],
      ['audit', '/audit'],
    ];
    for (const [name, url] of shots) {
      await page.goto(url);
      await settle(page);
      await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
      console.log(`docs/screenshots/${name}.png  ${url}`);
    }
    await context.clearCookies();
    await page.goto('/');
    await page.getByLabel('Username').waitFor();
    await page.screenshot({ path: path.join(outDir, 'login.png') });
    console.log('docs/screenshots/login.png  /');
  } finally {
    await fixture.close();
  }
}

it('writes a screenshot of every page', main, 600_000);
