// The classification, rule, scheduler, partition, user and audit pages in a real browser, against the built
// server with the scheduler on and the local MariaDB registered and synced: an administrator creates a
// classification and a rule in the editor (an invalid expression shows its codes, a valid one previews
// the account it matches), runs the classification job now and sees the run in its history and the
// account among the members, creates the next partitions, creates a viewer and finds it in the audit log;
// the viewer sees neither Users nor the audit log, nor a write button, and /users answers
// PERMISSION_DENIED. With the scheduler off, the scheduler page says so and how to turn it on. No serious
// accessibility violation on any page, no problem in the browser.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCollector, syncAccountsAndWait } from '../support/apiInstances.js';
import { seriousA11yViolations, type ConsolePage } from '../support/browser.js';
import { startConsole, type ConsoleFixture, type LocalMariadb } from '../support/consoleFixture.js';

const suffix = randomBytes(2).toString('hex');
const classification = `Database readers ${suffix}`;
const ruleName = `reads the app db ${suffix}`;
const viewerName = `viewer-made-${suffix}`;

/** Waits for a page's heading (the page module is loaded on first visit). */
const heading = (page: Page, name: string) =>
  page.getByRole('heading', { name, level: 1, exact: true }).waitFor();
/** expect.poll with room for a write and the read tables catching up (its default is 1 s). */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });
const rowOf = (page: Page, text: string | RegExp) => page.getByRole('row').filter({ hasText: text }).first();

describe.skipIf(!process.env.TEST_MYSQL_URL)('the admin pages, scheduler on', () => {
  let fx: ConsoleFixture;
  let maria: LocalMariadb;
  let admin: ConsolePage;
  let page: Page;

  beforeAll(async () => {
    fx = await startConsole({ WHALEFALL_SCHEDULER: 'on' });
    maria = await fx.mariadb();
  });
  afterAll(async () => {
    await fx?.close();
  });

  // expect.poll (in syncAccountsAndWait) runs only inside a test.
  it('registers and syncs the local MariaDB over the API', async () => {
    const token = await fx.adminToken();
    const instanceId = await registerCollector(
      fx.api,
      token,
      `maria-${suffix}`,
      process.env.TEST_MYSQL_URL!,
      {
        user: maria.username,
        password: maria.password,
      },
    );
    await syncAccountsAndWait(fx.api, token, instanceId);
    admin = await fx.open('admin', '/classifications');
    page = admin.page;
  });

  it('creates a classification, then a rule in the editor: validate shows the codes, preview the match', async () => {
    await heading(page, 'Classifications');
    // The system classifications are seeded when serve starts.
    await eventually(() => page.getByRole('link', { name: 'super user' }).isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'New classification' }).click();
    const form = page.getByRole('form', { name: 'New classification' });
    await form.getByLabel('Name', { exact: true }).fill(classification);
    await form.getByLabel('Risk level').selectOption('high');
    await form.getByRole('button', { name: 'Create classification' }).click();
    await eventually(() => page.getByRole('link', { name: classification }).isVisible()).toBe(true);
    expect(await rowOf(page, classification).textContent()).toContain('high');
    // The figures as cards, one per classification.
    await eventually(() => page.getByRole('heading', { name: classification, level: 2 }).count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Rules', exact: true }).first().click();
    await heading(page, 'Classification rules');
    await page.getByRole('button', { name: 'New rule' }).click();
    await heading(page, 'New rule');
    await page.getByLabel('Rule name').fill(ruleName);
    await page.getByLabel('Classification').selectOption({ label: classification });
    await page.getByLabel('DB type').selectOption('mysql');
    const expression = page.getByLabel('Expression');
    await expression.fill('{"version": 4, "expr": {"fn": "is_root"}}');
    await page.getByRole('button', { name: 'Validate' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'a save would be refused' });
    await eventually(() => refusal.textContent()).toContain('INVALID_DSL_EXPRESSION');
    const problems = (await refusal.textContent()) ?? '';
    expect(problems).toContain('UNKNOWN_DSL_FUNCTION');
    expect(problems).toMatch(/at expr\b/);
    expect(await seriousA11yViolations(page)).toEqual([]);

    const reads = {
      version: 4,
      expr: { fn: 'has_privilege', args: { name: 'SELECT', scope: 'database', database: maria.database } },
    };
    await expression.fill(JSON.stringify(reads, null, 2));
    await page.getByRole('button', { name: 'Validate' }).click();
    await eventually(() => page.getByText('Valid.', { exact: true }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Preview against live accounts' }).click();
    const matched = page.getByRole('link', { name: new RegExp(`^${maria.appUser}`) });
    await eventually(() => matched.count()).toBe(1);
    expect(await matched.getAttribute('href')).toMatch(/^\/accounts\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('heading', { name: /^1 of \d+ mysql accounts would match/ }).count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Create rule' }).click();
    await heading(page, 'Rule');
    expect(page.url()).toMatch(/\?rule=[0-9a-f-]{36}$/);
    const versions = page.getByRole('table').last();
    await eventually(() => versions.getByRole('row').count()).toBe(2); // the header and version 1
    // A new expression is the next version.
    await page
      .getByLabel('Expression')
      .fill(JSON.stringify({ version: 4, expr: { op: 'OR', args: [reads.expr, { fn: 'is_superuser' }] } }));
    await page.getByRole('button', { name: 'Save rule' }).click();
    await eventually(() => page.getByRole('status').first().textContent()).toContain('version 2');
    await eventually(() => versions.getByRole('row').count()).toBe(3);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(admin.problems).toEqual([]);
  });

  it('runs the classification job now: the run shows in its history, the account among the members', async () => {
    await page.getByRole('link', { name: 'Scheduler' }).click();
    await heading(page, 'Scheduler');
    const jobs = page.getByRole('table').first();
    await eventually(() => jobs.getByRole('row').count()).toBe(7); // the header and six jobs
    await eventually(() => page.getByText('No dead letters', { exact: false }).isVisible()).toBe(true);
    expect(await page.getByText('The scheduler is off').count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await rowOf(page, 'classify_accounts').getByRole('button', { name: 'Run now' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('JobRunStarted');
    expect(await dialog.textContent()).toContain('sync session over every active instance');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('classify_accounts started');
    expect(page.url()).toContain('?job=classify_accounts');
    await heading(page, 'Scheduler');
    const history = page.getByRole('region', { name: 'History of classify_accounts' });
    await expect
      .poll(() => history.getByRole('row').filter({ hasText: 'manual' }).textContent(), { timeout: 30_000 })
      .toContain('completed');
    expect(await history.getByRole('row').filter({ hasText: 'manual' }).getByRole('link').count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Classifications' }).click();
    await page.getByRole('link', { name: classification }).click();
    const members = page.getByRole('region', { name: `Members of ${classification}` });
    const member = members.getByRole('link', { name: new RegExp(`^${maria.appUser}`) });
    await eventually(() => member.count()).toBe(1);
    expect(await member.getAttribute('href')).toMatch(/^\/accounts\/[0-9a-f-]{36}$/);
    expect(await rowOf(page, maria.appUser).getByRole('link', { name: 'rule version 2' }).count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(admin.problems).toEqual([]);
  });

  it('shows the partitions and creates the next ones behind a confirmation', async () => {
    await page.getByRole('link', { name: 'Partitions' }).click();
    await heading(page, 'Partitions');
    await eventually(() => page.getByRole('heading', { name: 'Health' }).isVisible()).toBe(true);
    await expect
      .poll(() => page.getByRole('cell', { name: /^database_size_stats_\d{4}_\d{2}$/ }).count())
      .toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel('Months ahead').fill('6');
    await page.getByRole('button', { name: 'Create next partitions' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('PartitionCreated');
    expect(await dialog.textContent()).toContain('6 month(s) ahead');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await eventually(() => page.getByRole('status').first().textContent()).toMatch(/partition\(s\) created/);
    await page.getByRole('button', { name: 'Clean up old partitions' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('cannot be recovered');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(admin.problems).toEqual([]);
  });

  it('creates a viewer on the users page, and the audit log shows its creation', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await heading(page, 'Users');
    await eventually(() => rowOf(page, /^admin/).isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Username').fill(viewerName);
    await form.getByLabel('Password', { exact: true }).fill('Viewer-password-123');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByRole('button', { name: 'Create user' }).click();
    await eventually(() => rowOf(page, viewerName).isVisible()).toBe(true);
    expect(await rowOf(page, viewerName).textContent()).toContain('viewer');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await heading(page, 'Audit log');
    await page.getByLabel('Type').selectOption('UserCreated');
    await eventually(() => page.url()).toContain('?type=UserCreated');
    const created = rowOf(page, viewerName);
    await eventually(() => created.isVisible()).toBe(true);
    expect(await created.textContent()).toContain('role: viewer');
    expect(await created.locator('time').count()).toBe(1);
    // The filtered view is a link: opened fresh, it shows the same.
    await page.goto(`/audit?type=UserCreated&username=${viewerName}`);
    await eventually(() => page.getByRole('row').count()).toBe(2);
    expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe(viewerName);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(admin.problems).toEqual([]);
  });

  it('a viewer sees neither users nor the audit log, nor a write button; /users is PERMISSION_DENIED', async () => {
    const viewer = await fx.open('viewer', '/users');
    const v = viewer.page;
    const nav = (await v.getByRole('navigation', { name: 'Main' }).textContent()) ?? '';
    expect(nav).toContain('Scheduler');
    expect(nav).not.toContain('Users');
    expect(nav).not.toContain('Audit log');
    await heading(v, 'Users');
    await eventually(() => v.getByRole('alert').first().textContent()).toContain('PERMISSION_DENIED');
    expect(await v.getByRole('button', { name: 'New user' }).count()).toBe(0);
    expect(await seriousA11yViolations(v)).toEqual([]);
    await v.goto('/audit');
    await eventually(() => v.getByRole('alert').first().textContent()).toContain('PERMISSION_DENIED');

    await v.goto('/classifications');
    await eventually(() => v.getByRole('link', { name: classification }).isVisible()).toBe(true);
    expect(await v.getByRole('button', { name: /New classification|Edit|Delete/ }).count()).toBe(0);
    await v.goto('/classifications/rules');
    await eventually(() => v.getByRole('link', { name: ruleName }).isVisible()).toBe(true);
    expect(await v.getByRole('button', { name: 'New rule' }).count()).toBe(0);
    await v.getByRole('link', { name: ruleName }).click();
    await eventually(() => v.getByRole('button', { name: 'Validate' }).isVisible()).toBe(true);
    expect(await v.getByRole('button', { name: /Save rule|Delete rule/ }).count()).toBe(0);
    await v.goto('/scheduler');
    await eventually(() => v.getByRole('link', { name: 'classify_accounts' }).isVisible()).toBe(true);
    expect(await v.getByRole('button', { name: /Run now|Pause|Resume/ }).count()).toBe(0);
    await v.goto('/partitions');
    await eventually(() => v.getByRole('heading', { name: 'Health' }).isVisible()).toBe(true);
    expect(await v.getByRole('button', { name: /Create next partitions|Clean up/ }).count()).toBe(0);
    expect(await seriousA11yViolations(v)).toEqual([]);
    expect(viewer.problems).toEqual([]);
  });
});

describe('the scheduler page, scheduler off', () => {
  let fx: ConsoleFixture;
  beforeAll(async () => {
    fx = await startConsole(); // the e2e servers run with WHALEFALL_SCHEDULER=off
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('says the scheduler is off and how to turn it on, and offers no run now', async () => {
    const { page, problems } = await fx.open('admin', '/scheduler');
    await heading(page, 'Scheduler');
    const note = page.getByRole('note');
    await eventually(() => note.textContent()).toContain('The scheduler is off in this process');
    expect(await note.textContent()).toContain('WHALEFALL_SCHEDULER=on');
    await eventually(() => page.getByRole('button', { name: 'Pause' }).count()).toBe(6);
    expect(await page.getByRole('button', { name: 'Run now' }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
