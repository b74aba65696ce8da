// The account pages in a real browser against the local MariaDB: the ledger's empty state, then after a
// sync the application account in the ledger, filtered by instance and name (the filters in the URL, the
// CSV export with the same filters), its detail with the facts the grants give (SELECT, DELETE on its
// database); a REVOKE and a second sync show in the change history, and the as-of picker at a moment
// between the two syncs shows DELETE again while "now" shows it gone. No serious axe violation on a page.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCollector, syncAccountsAndWait } from '../support/apiInstances.js';
import { seriousA11yViolations } from '../support/browser.js';
import { startConsole, type ConsoleFixture, type LocalMariadb } from '../support/consoleFixture.js';

const ZONE = 'Asia/Shanghai'; // the console pages' zone (openConsole's default)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An instant as a datetime-local value in ZONE, to the second. */
const localValue = (ms: number) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
    .format(new Date(ms))
    .replace(' ', 'T');

/** The privileges the facts table lists for the app's database. */
const databasePrivileges = (page: Page, database: string) =>
  page
    .getByRole('table', { name: 'Privileges by scope' })
    .getByRole('row', { name: new RegExp(`database ${database}`) })
    .getByRole('cell')
    .textContent();

let console_: ConsoleFixture;
let mariadb: LocalMariadb;
let token: string;

beforeAll(async () => {
  console_ = await startConsole();
  [mariadb, token] = await Promise.all([console_.mariadb(), console_.adminToken()]);
});
afterAll(async () => {
  await console_?.close();
});

describe('the account pages', () => {
  it('shows what to do when there are no accounts yet', async () => {
    const { page, problems } = await console_.open('admin', '/accounts');
    await page.getByText('No accounts yet').waitFor();
    expect(await page.getByRole('link', { name: 'Register an instance' }).getAttribute('href')).toBe(
      '/instances',
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('lists a synced account, shows its facts, its history, and what it could do at an earlier moment', async () => {
    const url = process.env.TEST_MYSQL_URL!;
    const instanceId = await registerCollector(console_.api, token, 'local-mariadb', url, {
      user: mariadb.username,
      password: mariadb.password,
    });
    await syncAccountsAndWait(console_.api, token, instanceId);
    const afterFirstSync = Date.now();

    const { page, context, problems } = await console_.open('admin', '/accounts');
    await page.getByRole('table', { name: 'Accounts' }).waitFor();
    await page.getByLabel('Instance').selectOption(instanceId);
    await expect.poll(() => new URL(page.url()).searchParams.get('instance_id')).toBe(instanceId);
    await page.getByLabel('Username contains').fill(mariadb.appUser);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('search')).toBe(mariadb.appUser);
    const row = page.getByRole('row', { name: new RegExp(mariadb.appUser) });
    await expect.poll(() => page.getByRole('table', { name: 'Accounts' }).getByRole('row').count()).toBe(2);
    expect(await row.textContent()).toContain('local-mariadb');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The export carries the same filters and downloads with the page's cookie.
    const href = (await page.getByRole('link', { name: /Export CSV/ }).getAttribute('href')) ?? '';
    expect(href).toContain(`instance_id=${instanceId}`);
    expect(href).toContain(`search=${mariadb.appUser}`);
    const csv = await context.request.get(href);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain(mariadb.appUser);

    // A shared link reproduces the filtered view.
    const shared = page.url();
    await page.goto(shared);
    await expect.poll(() => row.count()).toBe(1);
    expect(await page.getByLabel('Instance').inputValue()).toBe(instanceId);

    await row.getByRole('link', { name: new RegExp(mariadb.appUser) }).click();
    await page.getByRole('heading', { name: new RegExp(`Account ${mariadb.appUser}`) }).waitFor();
    await expect.poll(() => databasePrivileges(page, mariadb.database)).toContain('DELETE');
    expect(await databasePrivileges(page, mariadb.database)).toContain('SELECT');
    expect(await page.getByRole('status').first().textContent()).toContain('now');
    expect(await page.getByRole('link', { name: 'local-mariadb' }).getAttribute('href')).toBe(
      `/instances/${instanceId}`,
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    const accountPath = new URL(page.url()).pathname;

    // A moment between the two syncs, to the second, then the revoke and the second sync.
    const between = afterFirstSync + 1000;
    while (Date.now() < between + 1500) await sleep(200);
    await mariadb.root.query(`REVOKE DELETE ON \`${mariadb.database}\`.* FROM ?@'%'`, [mariadb.appUser]);
    await syncAccountsAndWait(console_.api, token, instanceId);

    await page.reload();
    const history = page.getByRole('table', { name: /Change history/ });
    await expect.poll(() => history.textContent()).toContain('−DELETE');
    expect(await history.textContent()).toContain('privileges changed');
    await expect.poll(() => databasePrivileges(page, mariadb.database)).not.toContain('DELETE');

    // As of the moment between the syncs: DELETE again, labelled with that moment.
    await page.getByLabel('As of').fill(localValue(between));
    await page.getByRole('button', { name: 'Show facts at this moment' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('as_of')).not.toBeNull();
    const asOf = new Date(new URL(page.url()).searchParams.get('as_of')!).getTime();
    expect(asOf).toBe(Math.floor(between / 1000) * 1000);
    const banner = page.getByRole('status').filter({ hasText: 'as of' });
    await banner.waitFor();
    expect(await banner.locator('time').getAttribute('datetime')).toBe(new Date(asOf).toISOString());
    await expect.poll(() => databasePrivileges(page, mariadb.database)).toContain('DELETE');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Back to now: DELETE gone again, and the URL without as_of.
    await banner.getByRole('link', { name: 'Back to now' }).click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`${accountPath}$`));
    await expect.poll(() => databasePrivileges(page, mariadb.database)).not.toContain('DELETE');
    expect(await page.getByRole('status').first().textContent()).toContain('now');
    expect(problems).toEqual([]);
  });
});
