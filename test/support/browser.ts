// Browser tests drive Debian's Chromium (never a downloaded browser) through playwright-core: headless,
// without the sandbox (CI runs as root), without background traffic. A console page records every
// problem the browser reports (script errors, CSP violations, failed requests, console errors) so a test
// can require there were none.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--no-first-run',
      '--metrics-recording-only',
      '--mute-audio',
    ],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** What went wrong in the page so far: each a line of text. */
  problems: string[];
}

/** A new context (its own cookies) and page on baseUrl, recording the page's problems. */
export async function openConsole(
  browser: Browser,
  baseUrl: string,
  options: { timezoneId?: string; viewport?: { width: number; height: number } } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    timezoneId: options.timezoneId ?? 'Asia/Shanghai',
    viewport: options.viewport ?? { width: 1280, height: 860 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A 4xx the page handles (a 401 before login, a refused write) is logged by Chromium as a console
    // error about the resource: the tests check those answers themselves.
    if (msg.type() === 'error' && !/the server responded with a status of 4\d\d/.test(msg.text()))
      problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    // An EventSource or fetch the page aborts on navigation is not a failure.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  return { context, page, problems };
}

/** Logs in through the login form and waits for the navigation to appear. */
export async function logIn(page: Page, username: string, password: string, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is and returns the serious and critical
 * violations. The script goes in through the DevTools protocol, not a <script> tag, so the page's CSP
 * stays as strict as in production.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // A string, evaluated in the page: this program is type-checked without the DOM library.
  const violations = await page.evaluate<AxeViolation[]>(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')),
    })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
