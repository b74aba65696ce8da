// The instances and tags pages in a real browser, as an operator uses them: the empty state, registering
// the local MariaDB through the form (validated and tested before saving, with a credential created
// inline), the list (filtered in the URL, a batch connection test) and the detail, an account sync whose
// link leads to its session, a capacity collection drawn in the sizes chart, editing, a tag created and
// bulk-assigned on the tags page, delete and restore; then a viewer, who sees no write button and is
// refused (PERMISSION_DENIED) when it forces one. Every page has no serious accessibility violation and
// the browser reports no problem.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.js';
import { startConsole, type ConsoleFixture } from '../support/consoleFixture.js';

let console_: ConsoleFixture;
let instanceUrl = '';
const NAME = 'local-mariadb';

beforeAll(async () => {
  console_ = await startConsole();
});
afterAll(async () => console_?.close());

const visible = (page: Page, text: string | RegExp) =>
  expect.poll(() => page.getByText(text).first().isVisible(), { timeout: 30_000 }).toBe(true);
const noA11yProblems = async (page: Page) => expect(await seriousA11yViolations(page)).toEqual([]);

describe('instances and tags pages', () => {
  it('registers, syncs, edits, tags, deletes and restores an instance as admin', async () => {
    const { page, problems } = await console_.open('admin', '/instances');
    const mariadb = await console_.mariadb();

    await visible(page, 'No instances yet — register one');
    await noA11yProblems(page);

    // Register the local MariaDB: validate, test with the typed credential, then save.
    await page.getByRole('button', { name: 'Register instance' }).first().click();
    const form = page.getByRole('form', { name: 'Register an instance' });
    await form.getByLabel('Name', { exact: true }).fill(NAME);
    await form.getByLabel(/^Host/).fill(mariadb.host);
    await form.getByLabel('Port', { exact: true }).fill(String(mariadb.port));
    await form.getByLabel('Username', { exact: true }).fill(mariadb.username);
    await form.getByLabel(/^Password/).fill(mariadb.password);
    await form.getByRole('button', { name: 'Validate connection params' }).click();
    await visible(page, /Parameters valid/);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await visible(page, /Connection succeeded/);
    await noA11yProblems(page);
    await form.getByRole('button', { name: 'Register' }).click();
    await visible(page, /Registered local-mariadb/);

    // The list shows it, and the URL carries the filters.
    const row = page.getByRole('row', { name: new RegExp(NAME) });
    await expect.poll(() => row.textContent()).toContain(`${mariadb.host}:${mariadb.port}`);
    await page.getByLabel('Search', { exact: true }).fill('mariadb');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain('search=mariadb');
    await expect.poll(() => row.isVisible()).toBe(true);
    // A batch connection test of the ticked rows.
    await page.getByRole('checkbox', { name: `Select ${NAME}` }).check();
    await page.getByRole('button', { name: 'Test connections of selected (1)' }).click();
    await visible(page, '1 connected, 0 failed');
    await expect.poll(() => row.textContent()).toContain('connected');
    await noA11yProblems(page);

    await page.getByRole('table', { name: 'Instances' }).getByRole('link', { name: NAME }).click();
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
    instanceUrl = new URL(page.url()).pathname;
    expect(instanceUrl).toMatch(/^\/instances\/[0-9a-f-]{36}$/);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await visible(page, /Connection succeeded/);

    // An account sync: the link leads to its session; back here, its accounts appear.
    await page.getByRole('button', { name: 'Sync accounts' }).click();
    const follow = page.getByRole('link', { name: 'Follow the session' });
    const href = (await follow.getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/sessions\/[0-9a-f-]{36}$/);
    await follow.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(href);
    await page.goto(instanceUrl);
    await visible(page, mariadb.appUser);
    const sessions = page.getByRole('table', { name: /Sessions that included this instance/ });
    await expect.poll(() => sessions.textContent(), { timeout: 30_000 }).toContain('completed');

    // A capacity collection, then the current day aggregated: the chart draws the database's sizes.
    await page.getByRole('button', { name: 'Collect capacity' }).click();
    await page.getByRole('link', { name: 'Follow the session' }).waitFor();
    await visible(page, mariadb.database);
    await page.getByRole('button', { name: 'Aggregate the current daily period' }).click();
    const chart = page.locator('figure.chart');
    await chart.waitFor({ timeout: 30_000 });
    expect(Number(await chart.getAttribute('data-series-count'))).toBeGreaterThanOrEqual(2);
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    await noA11yProblems(page);

    // Edit the description.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Description').fill('registered by the browser test');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await visible(page, 'registered by the browser test');

    // A tag created on the tags page and assigned in bulk; the instance then holds it.
    await page.getByRole('link', { name: 'Tags', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Tags' }).waitFor();
    await visible(page, /No tags yet/);
    await page.getByRole('button', { name: 'New tag' }).click();
    await page.getByLabel(/^Name/).fill('pci');
    await page.getByLabel('Display name').fill('PCI scope');
    await page.getByRole('button', { name: 'Create tag' }).click();
    await visible(page, 'Tag pci created.');
    await page.getByRole('checkbox', { name: `Select ${NAME}` }).check();
    await page.getByRole('checkbox', { name: 'PCI scope' }).check();
    await page.getByRole('button', { name: 'Assign selected tags' }).click();
    await visible(page, 'Assigned: 1 applied, 0 unchanged, 0 failed.');
    await noA11yProblems(page);
    await page.goto(`/instances?tag=pci`);
    await expect
      .poll(() => page.getByRole('row', { name: new RegExp(NAME) }).textContent())
      .toContain('PCI scope');
    await page.goto(instanceUrl);
    await page.getByRole('button', { name: 'Remove tag PCI scope' }).waitFor();

    // Delete (confirmed: it says it is a soft delete), then restore.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${NAME}?` });
    expect(await dialog.textContent()).toContain('Restore brings it back');
    await dialog.getByRole('button', { name: 'Delete instance' }).click();
    await visible(page, 'moved to the recycle bin');
    await page.getByRole('button', { name: 'Restore' }).click();
    await visible(page, `${NAME} restored.`);
    await page.getByRole('button', { name: 'Sync accounts' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('shows a viewer no write button, and refuses a forced write with PERMISSION_DENIED', async () => {
    expect(instanceUrl).not.toBe('');
    const { page, problems } = await console_.open('viewer', '/instances');
    await page.getByRole('link', { name: NAME }).waitFor();
    const writes = /Register instance|Test connections of selected/;
    expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    await noA11yProblems(page);

    await page.goto(instanceUrl);
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
    await visible(page, 'PCI scope');
    const detailWrites =
      /Test connection|Sync accounts|Collect capacity|Edit|Delete|Restore|Remove tag|Assign tag|Aggregate/;
    expect(await page.getByRole('button', { name: detailWrites }).count()).toBe(0);
    await noA11yProblems(page);

    await page.goto('/tags');
    await page.getByRole('link', { name: 'pci' }).waitFor();
    expect(await page.getByRole('button', { name: /New tag|Edit|Delete|Assign|Remove/ }).count()).toBe(0);
    await noA11yProblems(page);

    const forced = await page.evaluate<{ status: number; code: string }>(`(async () => {
      const csrf = await (await fetch('/api/v1/auth/csrf-token')).json();
      const res = await fetch('/api/v1/tags', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-CSRF-Token': csrf.data.csrf_token },
        body: JSON.stringify({ name: 'forced-by-viewer' }),
      });
      const body = await res.json();
      return { status: res.status, code: body.message_code };
    })()`);
    expect(forced).toEqual({ status: 403, code: 'PERMISSION_DENIED' });
    expect(problems).toEqual([]);
  });
});
