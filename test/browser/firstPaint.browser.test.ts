// How fast the overview paints against a local server holding 1,000 instances: first contentful paint and
// the moment the instance count is on screen, measured in the browser and printed (the issue asks for
// the figure, under 1 s, not an assertion that would fail on a loaded CI machine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleFixture } from '../support/consoleFixture.js';

const INSTANCES = 1000;
let fixture: ConsoleFixture;

beforeAll(async () => {
  fixture = await startConsole();
  const token = await fixture.adminToken();
  for (let start = 0; start < INSTANCES; start += 500) {
    const instances = Array.from({ length: 500 }, (_, i) => ({
      name: `fleet-${String(start + i).padStart(4, '0')}`,
      db_type: (start + i) % 2 === 0 ? 'mysql' : 'postgresql',
      host: `db-${start + i}.fleet.internal`,
      port: (start + i) % 2 === 0 ? 3306 : 5432,
    }));
    const res = await fixture.api.call<{ data: { created: number } }>(
      'POST',
      '/instances/actions/batch-create',
      {
        token,
        body: { instances },
      },
    );
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    expect(res.body.data.created).toBe(500);
  }
});
afterAll(() => fixture?.close());

describe('the overview with 1,000 instances', () => {
  it('paints, and prints how long it took', async () => {
    const { page, problems } = await fixture.open('admin');
    const runs: { fcp: number; ready: number }[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto('/');
      await page.getByRole('link', { name: String(INSTANCES), exact: true }).waitFor();
      runs.push(
        await page.evaluate<{ fcp: number; ready: number }>(`({
          fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
          ready: performance.now(),
        })`),
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const fcp = median(runs.map((r) => r.fcp));
    const ready = median(runs.map((r) => r.ready));
    console.log(
      `overview with ${INSTANCES} instances (median of ${runs.length} loads): first contentful paint ${fcp.toFixed(0)} ms, ` +
        `instance count on screen ${ready.toFixed(0)} ms (target < 1000 ms: ${ready < 1000 ? 'PASS' : 'MISS'})`,
    );
    expect(fcp).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
