// The generated parts of the docs (between <!-- generated:<name> --> markers) are what their generators
// write today: a catalog entry, a piece of advice or a route changed without `npm run docs:generate`
// fails here, with the doc to regenerate.
import { expect, it } from 'vitest';
import { expectedDocs } from '../../scripts/docs/generate.js';

it('every generated part of the docs is current (npm run docs:generate)', async () => {
  const docs = await expectedDocs();
  expect(docs.map((d) => d.doc)).toContain('docs/message-codes.md');
  const stale = docs.filter((d) => d.current !== d.expected).map((d) => d.doc);
  expect(stale, 'run npm run docs:generate').toEqual([]);
}, 30_000);
