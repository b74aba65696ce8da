// The API contract tables and event lists of docs/domains/*.md, generated from the route definitions the
// server mounts and from the event registry, so a doc cannot drift from the code. Every route lands in
// exactly one table (by its OpenAPI tag): a domain doc's, or the "other" table of docs/domains/README.md;
// a tag no table takes fails the generator.
//   npx tsx scripts/docs/apiContracts.ts --write    rewrites the generated parts in place
// test/docs/apiContracts.unit.test.ts fails when a committed part differs from what this generates.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { z } from 'zod';
import { createApp } from '../../src/api/app.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { toOpenApiPath, type RouteDefinition } from '../../src/api/route.js';
import { loadConfig } from '../../src/config.js';
import { eventDefinitions } from '../../src/domain/eventTypes.js';
import type { EventDefinition } from '../../src/domain/events/registry.js';
import { createLogger } from '../../src/logger.js';
import { README, domainDocs, type DomainDoc } from './domainMap.js';
import { readGenerated, replaceGenerated } from './markers.js';

export { README, domainDocs, type DomainDoc };

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** A stand-in for a dependency the route definitions close over but only their handlers call. */
const unused = (name: string): unknown =>
  new Proxy(() => undefined, {
    get: (_target, key) => (key === 'then' ? undefined : unused(`${name}.${String(key)}`)),
    apply: () => unused(`${name}()`),
  });

let mounted: readonly RouteDefinition[] | undefined;

/**
 * Every route definition createApp mounts, built without a database: the definitions only close over
 * their dependencies, so stand-ins do (the configuration is real: some schemas read it).
 */
export function mountedRouteDefinitions(): readonly RouteDefinition[] {
  if (mounted) return mounted;
  const config = loadConfig({
    DATABASE_URL: 'postgres://127.0.0.1:1/unused',
    WHALEFALL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  });
  const real: Partial<ApiDeps> = {
    config,
    logger: createLogger({ level: 'silent', pretty: false }),
    database: undefined,
    webDir: undefined,
    version: 'docs',
    scheduler: undefined,
  };
  const deps = new Proxy(real, {
    get: (target, key: string) => (key in target ? target[key as keyof ApiDeps] : unused(key)),
  }) as ApiDeps;
  mounted = createApp(deps).routes;
  return mounted;
}

/** The keys of a route's query schema (an object schema, possibly strict or extended). */
function queryFields(route: RouteDefinition): string[] {
  const q = route.query;
  return q instanceof z.ZodObject ? Object.keys(q.shape) : [];
}

const pagingFields = ['page', 'limit', 'cursor'];

export function pagingOf(route: RouteDefinition): string {
  const fields = queryFields(route).filter((f) => pagingFields.includes(f));
  if (fields.length === 0) return route.paged ? 'meta only' : '-';
  return fields.join(', ') + (route.paged ? '; meta: total, pages' : '');
}

export function idempotencyOf(route: RouteDefinition): string {
  switch (route.idempotency) {
    case 'read':
      return 'yes: reads only';
    case 'key':
      return 'with an Idempotency-Key header';
    case 'repeat':
      return 'yes: a repeat appends nothing';
    default:
      return route.method === 'post' || route.method === 'patch' ? 'no' : 'yes';
  }
}

export function notesOf(route: RouteDefinition): string {
  const notes = [route.access === 'public' ? 'public' : `permission ${route.access.permission}`];
  if (route.status && route.status !== 200) notes.push(`answers ${route.status}`);
  if (route.stream) notes.push(`stream (${route.contentType ?? ''})`);
  else if (route.contentType) notes.push(`file (${route.contentType})`);
  const filters = queryFields(route).filter((f) => !pagingFields.includes(f));
  if (filters.length) notes.push(`query: ${filters.join(', ')}`);
  return notes.join('; ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

export function contractTable(routes: readonly RouteDefinition[]): string {
  const head = ['method', 'path', 'purpose', 'idempotency', 'paging', 'notes'];
  const rows = routes.map((r) => [
    r.method.toUpperCase(),
    `\`/api/v1${toOpenApiPath(r.path)}\``,
    cell(r.summary),
    idempotencyOf(r),
    pagingOf(r),
    notesOf(r),
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** The data fields of an event's schema (its top-level keys). */
const dataFields = (def: EventDefinition) =>
  def.schema instanceof z.ZodObject ? Object.keys(def.schema.shape).join(', ') : '';

export function eventsTable(types: readonly string[]): string {
  const byType = new Map(eventDefinitions.map((d) => [d.type, d]));
  const rows = types.map((type) => {
    const def = byType.get(type);
    if (!def) throw new Error(`event type ${type} is not registered (src/domain/eventTypes.ts)`);
    return [`\`${type}\``, String(def.schemaVersion), cell(dataFields(def))];
  });
  const head = ['event', 'schema version', 'data'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Each doc's routes, in mount order; throws naming every route whose tag no doc takes. */
export function assignRoutes(
  routes: readonly RouteDefinition[],
  docs: readonly DomainDoc[] = domainDocs,
): Map<string, RouteDefinition[]> {
  const out = new Map(docs.map((d) => [d.file, [] as RouteDefinition[]]));
  const left: string[] = [];
  for (const route of routes) {
    const doc = docs.find((d) => d.tags.includes(route.tag));
    if (doc) out.get(doc.file)!.push(route);
    else left.push(`${route.method.toUpperCase()} ${route.path} (tag ${route.tag})`);
  }
  if (left.length)
    throw new Error(
      `routes in no doc (add their tag to domainDocs in scripts/docs/apiContracts.ts): ${left.join(', ')}`,
    );
  return out;
}

/** Event types registered but listed in no doc. */
export function unlistedEvents(docs: readonly DomainDoc[] = domainDocs): string[] {
  const listed = new Set(docs.flatMap((d) => d.events));
  return eventDefinitions.map((d) => d.type).filter((t) => !listed.has(t));
}

/** Which doc lists which tags (README): the map a reader follows from a route to its domain. */
function domainMap(docs: readonly DomainDoc[], byDoc: Map<string, RouteDefinition[]>): string {
  const rows = docs.map((d) => [
    d.file === README ? 'other (below)' : `[${path.basename(d.file)}](${path.basename(d.file)})`,
    d.tags.join(', '),
    String(byDoc.get(d.file)!.length),
    String(d.events.length),
  ]);
  const head = ['doc', 'OpenAPI tags', 'routes', 'events'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const format = async (markdown: string, file: string) =>
  (
    await prettier.format(markdown, {
      ...(await prettier.resolveConfig(path.join(ROOT, file))),
      parser: 'markdown',
    })
  ).trim();

export type Generated = Map<string, Map<string, string>>;

/** Each doc's generated parts by name: 'api-contract' and 'events' (and 'domain-map' in the README). */
export async function generate(
  routes: readonly RouteDefinition[] = mountedRouteDefinitions(),
  docs: readonly DomainDoc[] = domainDocs,
): Promise<Generated> {
  const unlisted = unlistedEvents(docs);
  if (unlisted.length) throw new Error(`event types in no doc: ${unlisted.join(', ')}`);
  const byDoc = assignRoutes(routes, docs);
  const out: Generated = new Map();
  for (const doc of docs) {
    const parts = new Map<string, string>([
      ['api-contract', await format(contractTable(byDoc.get(doc.file)!), doc.file)],
      ['events', await format(eventsTable(doc.events), doc.file)],
    ]);
    if (doc.file === README) parts.set('domain-map', await format(domainMap(docs, byDoc), doc.file));
    out.set(doc.file, parts);
  }
  return out;
}

/** The parts whose committed text differs from the generated one, as 'doc#name'. */
export async function staleParts(generated: Generated): Promise<string[]> {
  const stale: string[] = [];
  for (const [file, parts] of generated) {
    const text = await fs.readFile(path.join(ROOT, file), 'utf8');
    for (const [name, markdown] of parts)
      if (readGenerated(text, name) !== markdown) stale.push(`${file}#${name}`);
  }
  return stale;
}

async function write(): Promise<void> {
  for (const [file, parts] of await generate()) {
    const full = path.join(ROOT, file);
    const before = await fs.readFile(full, 'utf8');
    let text = before;
    for (const [name, markdown] of parts) text = replaceGenerated(text, name, markdown);
    if (text !== before) {
      await fs.writeFile(full, text);
      console.log(`updated ${file}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--write')) await write();
  else {
    const stale = await staleParts(await generate());
    console.log(stale.length ? `stale: ${stale.join(', ')} (run with --write)` : 'up to date');
    if (stale.length) process.exitCode = 1;
  }
}
