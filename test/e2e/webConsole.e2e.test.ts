// The web console as built: its API types match the API the server publishes (a route changed without
// `npm run web:api-types` fails here), and the first page's scripts and styles stay under 300 KB gzipped
// (printed, as the issue asks for the figure).
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, renderApiTypes } from '../../scripts/webApiTypes.js';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { repoRoot } from '../support/serverProcess.js';

const webDir = path.join(repoRoot, 'dist/web');
const BUDGET_BYTES = 300 * 1024;

let api: ApiServer;
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(() => api?.stop());

describe('the web console build', () => {
  it('has API types generated from the OpenAPI document the server publishes', async () => {
    const res = await fetch(`${api.baseUrl}/openapi.json`);
    const expected = await renderApiTypes((await res.json()) as Record<string, unknown>);
    const committed = await fs.readFile(API_TYPES_FILE, 'utf8');
    // Not toEqual on 17,000 lines: the message says what to run.
    expect(committed === expected, 'web/src/api/schema.d.ts is stale: run `npm run web:api-types`').toBe(
      true,
    );
  });

  it('keeps the first page under 300 KB gzipped', async () => {
    // The first page after login is the overview: the entry, the overview's chunk, what they import.
    const manifest = JSON.parse(
      await fs.readFile(path.join(webDir, '.vite/manifest.json'), 'utf8'),
    ) as Record<string, { file: string; css?: string[]; imports?: string[] }>;
    const files = new Set<string>();
    const add = (key: string) => {
      const chunk = manifest[key];
      if (!chunk || files.has(chunk.file)) return;
      files.add(chunk.file);
      for (const css of chunk.css ?? []) files.add(css);
      for (const i of chunk.imports ?? []) add(i);
    };
    add('index.html');
    add('src/pages/overview.tsx');
    expect(files.size).toBeGreaterThan(1);
    let raw = 0;
    let gzipped = 0;
    for (const file of files) {
      const body = await fs.readFile(path.join(webDir, file));
      raw += body.length;
      gzipped += gzipSync(body, { level: 9 }).length;
    }
    console.log(
      `first page (overview): ${files.size} files, ${(raw / 1024).toFixed(1)} KB, ` +
        `${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`,
    );
    expect(gzipped).toBeLessThan(BUDGET_BYTES);
  });
});
