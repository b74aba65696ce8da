// The API contract tables and event lists of docs/domains are what scripts/docs/apiContracts.ts generates
// from the mounted route definitions and the event registry: a committed part that differs fails here
// (regenerate: npx tsx scripts/docs/apiContracts.ts --write), and so does a route or an event in no doc.
import { describe, expect, it } from 'vitest';
import { defineRoute, type RouteDefinition } from '../../src/api/route.js';
import { z } from 'zod';
import {
  assignRoutes,
  contractTable,
  domainDocs,
  generate,
  idempotencyOf,
  mountedRouteDefinitions,
  pagingOf,
  staleParts,
  unlistedEvents,
} from '../../scripts/docs/apiContracts.js';

const stray = defineRoute({
  method: 'post',
  path: '/nowhere/actions/run',
  tag: 'nowhere',
  summary: 'A route whose tag no doc takes',
  access: { permission: 'admin' },
  response: z.null(),
  handler: () => Promise.resolve({ data: null }),
});

describe('docs/domains API contract tables', () => {
  it('every committed generated part is what the generator writes', async () => {
    expect(await staleParts(await generate())).toEqual([]);
  }, 60_000);

  it('every mounted route is in exactly one table', () => {
    const routes = mountedRouteDefinitions();
    const byDoc = assignRoutes(routes);
    const listed = [...byDoc.values()].flat();
    expect(listed).toHaveLength(routes.length);
    expect(new Set(listed).size).toBe(routes.length);
    const tags = domainDocs.flatMap((d) => d.tags);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('a route in no doc fails the generator, naming it', async () => {
    const routes: RouteDefinition[] = [...mountedRouteDefinitions(), stray];
    expect(() => assignRoutes(routes)).toThrow(/POST \/nowhere\/actions\/run \(tag nowhere\)/);
    await expect(generate(routes)).rejects.toThrow(/routes in no doc/);
  });

  it('a committed table missing a route is stale', async () => {
    // The stray route, taken by the scheduler doc: its committed table lacks the row.
    const docs = domainDocs.map((d) =>
      d.file === 'docs/domains/scheduler.md' ? { ...d, tags: [...d.tags, 'nowhere'] } : d,
    );
    const routes = [...mountedRouteDefinitions(), stray];
    expect(contractTable(assignRoutes(routes, docs).get('docs/domains/scheduler.md')!)).toContain(
      '`/api/v1/nowhere/actions/run`',
    );
    expect(await staleParts(await generate(routes, docs))).toContain(
      'docs/domains/scheduler.md#api-contract',
    );
  }, 60_000);

  it('every registered event type is listed by exactly one doc', () => {
    expect(unlistedEvents()).toEqual([]);
    expect(unlistedEvents(domainDocs.slice(1))).toContain('InstanceRegistered');
    const listed = domainDocs.flatMap((d) => d.events);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('idempotency and paging come from the method, the route metadata and the query schema', () => {
    const byKey = new Map(mountedRouteDefinitions().map((r) => [`${r.method} ${r.path}`, r]));
    const route = (key: string) => {
      const r = byKey.get(key);
      if (!r) throw new Error(`no route ${key}`);
      return r;
    };
    expect(idempotencyOf(route('post /tags/bulk/actions/assign'))).toMatch(/Idempotency-Key/);
    expect(idempotencyOf(route('post /instances'))).toBe('no');
    expect(idempotencyOf(route('delete /instances/:id'))).toBe('yes');
    expect(idempotencyOf(route('post /partitions'))).toMatch(/appends nothing/);
    expect(pagingOf(route('get /instances'))).toMatch(/^page, limit/);
    expect(pagingOf(route('get /scheduler/dead-letters'))).toBe('limit');
    expect(pagingOf(route('get /instances/:id'))).toBe('-');
  });
});
