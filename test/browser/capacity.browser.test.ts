// The capacity page in a real browser: the empty state before any size, then after a capacity collection
// of the local MariaDB and an aggregation of the running periods (over the API), the instance picked and
// the chart drawn (a canvas in the figure, its series count, the points in its caption), a period switch
// redrawing it, the summary and top growers; the database view with a database picked. No serious axe
// violation.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCollector } from '../support/apiInstances.js';
import { seriousA11yViolations } from '../support/browser.js';
import { startConsole, type ConsoleFixture, type LocalMariadb } from '../support/consoleFixture.js';

let console_: ConsoleFixture;
let mariadb: LocalMariadb;
let token: string;

beforeAll(async () => {
  console_ = await startConsole();
  [mariadb, token] = await Promise.all([console_.mariadb(), console_.adminToken()]);
});
afterAll(async () => {
  await mariadb?.root.query(`DROP DATABASE IF EXISTS \`${mariadb.database}_b\``);
  await console_?.close();
});

const figure = (page: Page) => page.locator('figure.chart');
const caption = (page: Page) => figure(page).locator('figcaption').textContent();

describe('the capacity page', () => {
  it('says how to get sizes when there are none', async () => {
    const { page, problems } = await console_.open('admin', '/capacity');
    await page.getByText('No sizes yet').waitFor();
    expect(
      await page.getByRole('main').getByRole('link', { name: 'sessions', exact: true }).getAttribute('href'),
    ).toBe('/sessions');
    expect(await figure(page).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('draws the collected sizes of a picked instance, by period, with the summary and top growers', async () => {
    const { api } = console_;
    // A second database, so the database picker has one to leave out.
    await mariadb.root.query(`CREATE DATABASE \`${mariadb.database}_b\``);
    await mariadb.root.query(`CREATE TABLE \`${mariadb.database}_b\`.t (id int primary key)`);
    const instanceId = await registerCollector(api, token, 'sized-mariadb', process.env.TEST_MYSQL_URL!, {
      user: mariadb.username,
      password: mariadb.password,
    });
    const started = await api.call<{ data: { session_id: string } }>(
      'POST',
      `/instances/${instanceId}/actions/sync-capacity`,
      { token },
    );
    expect(started.status).toBe(202);
    const session = `/sync-sessions/${started.body.data.session_id}`;
    await expect
      .poll(
        async () =>
          (await api.call<{ data: { status: string } }>('GET', session, { token })).body.data.status,
        {
          timeout: 30_000,
        },
      )
      .toBe('completed');
    const aggregated = await api.call<{ data: { aggregations: { computed: boolean }[] } }>(
      'POST',
      '/capacity/aggregations/current',
      { token, body: {} },
    );
    expect(aggregated.status).toBe(200);
    expect(aggregated.body.data.aggregations.every((a) => a.computed)).toBe(true);

    const { page, problems } = await console_.open('admin', '/capacity');
    await page.getByRole('combobox', { name: /^Instance/ }).selectOption(instanceId);
    await expect.poll(() => new URL(page.url()).searchParams.get('instance_id')).toBe(instanceId);
    await page.getByRole('combobox', { name: /^Period/ }).selectOption('daily');

    await figure(page).locator('canvas').first().waitFor();
    expect(Number(await figure(page).getAttribute('data-series-count'))).toBeGreaterThanOrEqual(1);
    await expect.poll(() => caption(page)).toContain('daily');
    expect(await caption(page)).toMatch(/sized-mariadb 1 points, latest \d/);
    const summary = page.getByRole('group', { name: 'Summary of the latest period' });
    expect(await summary.textContent()).toContain('1 instances, daily');
    const growers = page.getByRole('table', { name: /Top growers/ });
    expect(await growers.getByRole('link', { name: 'sized-mariadb' }).getAttribute('href')).toBe(
      `/instances/${instanceId}`,
    );
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Another period redraws the chart from that period's rows.
    await page.getByRole('combobox', { name: /^Period/ }).selectOption('monthly');
    await expect.poll(() => caption(page)).toContain('monthly');
    expect(new URL(page.url()).searchParams.get('period_type')).toBe('monthly');
    // The chart is drawn anew for the new period: its canvas may be gone for a moment after the caption changed.
    await expect.poll(() => figure(page).locator('canvas').count()).toBeGreaterThanOrEqual(1);
    await expect.poll(() => summary.textContent()).toContain('monthly');

    // The databases of the instance, one picked.
    await page.getByRole('link', { name: 'Databases' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('level')).toBe('databases');
    await expect.poll(() => caption(page)).toContain('Database size, monthly');
    // Every database of the server the collector sees: at least the fixture's two.
    expect(Number(await figure(page).getAttribute('data-series-count'))).toBeGreaterThan(1);
    const picker = page.getByRole('combobox', { name: /^Database/ });
    // The picker's options load after the chart's answer.
    await expect.poll(() => picker.textContent()).toContain(`${mariadb.database}_b`);
    await picker.selectOption(mariadb.database);
    await expect.poll(() => new URL(page.url()).searchParams.get('database')).toBe(mariadb.database);
    await expect.poll(() => figure(page).getAttribute('data-series-count')).toBe('1');
    expect(await caption(page)).toMatch(new RegExp(`: ${mariadb.database} on sized-mariadb 1 points`));
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
