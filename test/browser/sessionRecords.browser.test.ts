// A session page pages through its records in a real browser: a session of 250 records (the real
// decider's events, projected by the built server) shows its first 100, Next shows the next 100 (in the
// URL), the status and phase filters and the name search narrow the table; no serious accessibility
// violation, no problem in the page.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { seriousA11yViolations } from '../support/browser.js';
import { startConsole, type ConsoleFixture } from '../support/consoleFixture.js';
import { recordName, writeSession } from '../support/sessionLog.js';

const RECORDS = 250;
let fx: ConsoleFixture;
const sessionId = randomUUID();

/** The instance names the records table shows, in its order. */
const shownNames = (page: Page) => page.getByRole('table').first().getByRole('rowheader').allTextContents();
const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => recordName(from + i));

beforeAll(async () => {
  fx = await startConsole();
  await writeSession(new PostgresEventStore(fx.api.db.pool), sessionId, RECORDS);
}, 180_000);
afterAll(async () => fx?.close());

describe('the records of a session page', () => {
  it('pages and filters the records, in the URL', async () => {
    const { page, problems, context } = await fx.open('viewer', `/sessions/${sessionId}`);
    await expect
      .poll(async () => page.getByRole('status').textContent(), { timeout: 30_000 })
      .toContain('cancelled');
    await expect.poll(() => shownNames(page)).toEqual(names(0, 100));
    const pager = page.getByRole('navigation', { name: 'Pages of records' });
    expect(await pager.textContent()).toContain('page 1 of 3 (250 in all)');

    await pager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => shownNames(page)).toEqual(names(100, 100));
    expect(new URL(page.url()).searchParams.get('records_page')).toBe('2');
    expect(await pager.textContent()).toContain('page 2 of 3');

    // A filter goes back to the first page. Failed: every hundredth from the 8th; inventory: the first.
    const filters = page.getByRole('search', { name: 'Filter records' });
    await filters.getByLabel('Record status').selectOption('failed');
    await expect.poll(() => shownNames(page)).toEqual([recordName(7), recordName(107), recordName(207)]);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ status: 'failed' });
    expect(await page.getByText('3 in all').count()).toBe(1);
    await filters.getByLabel('Failed in phase').selectOption('inventory');
    await expect.poll(() => shownNames(page)).toEqual([recordName(7)]);

    await filters.getByLabel('Record status').selectOption('');
    await filters.getByLabel('Failed in phase').selectOption('');
    await filters.getByLabel('Instance name').fill('DB-0012');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => shownNames(page)).toEqual(names(120, 10));
    await filters.getByLabel('Instance name').fill('no-such-name');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => page.getByText('No record of this session matches these filters.').count())
      .toBe(1);

    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
