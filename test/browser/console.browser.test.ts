// The console's shell in a real browser: served at / by the built server, the login page until a
// session exists, a refused login shown with its message code, a 401 leading back to the login page,
// the SPA fallback for deep links (the API's 404s stay JSON), a strict CSP the page never violates,
// and no serious accessibility violation on the login page or the shell.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startApiServer, type ApiServer } from '../support/apiServer.js';
import { launchChromium, logIn, openConsole, seriousA11yViolations } from '../support/browser.js';

let api: ApiServer;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  [api, browser] = await Promise.all([startApiServer(), launchChromium()]);
  origin = api.server.baseUrl;
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('the web console shell', () => {
  it('serves the console at / with a strict CSP, and keeps the API answering JSON', async () => {
    const page = await fetch(`${origin}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests'); // plain HTTP here

    const deep = await fetch(`${origin}/sessions/00000000-0000-4000-8000-000000000000`, {
      headers: { accept: 'text/html' },
    });
    expect(deep.status).toBe(200);
    expect(deep.headers.get('cache-control')).toBe('no-cache');

    const apiMiss = await fetch(`${origin}/api/v1/no-such-thing`, { headers: { accept: 'text/html' } });
    expect(apiMiss.status).toBe(404);
    expect(apiMiss.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${origin}/assets/no-such-file.js`)).status).toBe(404);
  });

  it('logs in through the form, shows a refusal with its code, and returns to login on a 401', async () => {
    const { page, context, problems } = await openConsole(browser, origin);
    await page.goto('/');
    await expect
      .poll(() => page.getByRole('heading', { name: 'Log in to whalefall' }).isVisible())
      .toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('INVALID_CREDENTIALS');

    await logIn(page, 'admin', ADMIN_PASSWORD, '/no-such-page');
    await expect.poll(() => page.getByRole('heading', { name: 'Not found' }).isVisible()).toBe(true);
    expect(await page.getByRole('navigation', { name: 'Main' }).textContent()).toContain('Audit log');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The session cookie is httpOnly: the page's script cannot read it.
    expect(await page.evaluate('document.cookie')).not.toContain('wf_session');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.httpOnly && c.name !== 'wf_csrf')).toBeDefined();

    // The session ends behind the page's back: the next call answers 401 and the login page returns.
    await context.clearCookies();
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await expect.poll(() => page.getByLabel('Username').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('hides admin-only navigation from a viewer', async () => {
    const username = `viewer-shell-${Date.now()}`;
    await api.call('POST', '/users', {
      token: await api.adminToken(),
      body: { username, password: 'viewer-password-long', role: 'viewer' },
    });
    const { page, context, problems } = await openConsole(browser, origin);
    await logIn(page, username, 'viewer-password-long');
    const nav = (await page.getByRole('navigation', { name: 'Main' }).textContent()) ?? '';
    expect(nav).toContain('Sessions');
    expect(nav).not.toContain('Audit log');
    expect(nav).not.toContain('Users');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is usable by keyboard alone: log in, skip to content, navigate, open and dismiss a dialog', async () => {
    const { page, context, problems } = await openConsole(browser, origin);
    await page.goto('/');
    await page.getByLabel('Username').waitFor();
    /** Presses Tab until the focused element's text or label matches, and returns it. */
    const tabTo = async (name: RegExp) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate<string>(
          "(document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || document.activeElement?.getAttribute('name') || '').trim()",
        );
        if (name.test(focused)) return focused;
      }
      throw new Error(`no focusable element matching ${name} within 40 tabs`);
    };
    await tabTo(/^username$/);
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    // The first stop is the skip link; following it puts the focus on the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');

    await page.getByRole('link', { name: 'whalefall' }).focus();
    await tabTo(/^Sessions$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sessions');
    await tabTo(/^Start sync$/);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The modal takes the focus, and Escape closes it.
    expect(await page.evaluate("!!document.activeElement?.closest('dialog')")).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
