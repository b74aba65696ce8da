// The import rule of docs/architecture.md#what-may-import-what, run through the project's own ESLint config:
// each forbidden arrow is an error at every depth a file can have, and the permitted imports pass.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
// The rule needs no type information; without it the sources linted need not exist, and it takes a second.
const eslint = new ESLint({ cwd: repoRoot, overrideConfig: [tseslint.configs.disableTypeChecked] });
const rule = 'no-restricted-imports';

/** The import rule's messages for `source` as the file at `filePath` (other rules are not asked about). */
const importErrors = async (filePath: string, source: string) => {
  const [result] = await eslint.lintText(`${source}\n`, { filePath: path.join(repoRoot, filePath) });
  expect(result?.fatalErrorCount).toBe(0);
  return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message);
};

const forbidden: [file: string, source: string][] = [
  ['src/domain/x.ts', "import { knexFor } from '../adapters/db/knex.js';"],
  ['src/domain/x.ts', "import { loadConfig } from '../config.js';"],
  ['src/domain/sessions/x.ts', "import { makeSyncAccounts } from '../../commands/sync/runAccountSync.js';"],
  ['src/domain/engines/mysql/x.ts', "import type { EnginePort } from '../../../adapters/engines/port.js';"],
  ['src/domain/engines/mysql/x.ts', "import { givenEvents } from '../../../../test/support/deciderSpec.js';"],
  ['src/commands/x.ts', "import { instanceById } from '../projections/instances/queries.js';"],
  ['src/commands/x.ts', "import { mountRoutes } from '../api/mount.js';"],
  ['src/commands/x.ts', "import { main } from '../cli.js';"],
  ['src/commands/sync/x.ts', "import { instanceById } from '../../projections/instances/queries.js';"],
  ['src/commands/sync/x.ts', "export { eventFormat } from '../../cli/eventFormat.js';"],
  ['src/projections/x.ts', "import { makeAggregate } from '../commands/aggregate.js';"],
  ['src/projections/accounts/x.ts', "import { envelope } from '../../api/envelope.js';"],
  ['src/projections/accounts/x.ts', "import { tail } from '../../cli/eventsTail.js';"],
  ['src/api/x.ts', "import { knexFor } from '../adapters/db/knex.js';"],
  ['src/api/routes/x.ts', "import { issueToken, type Tokens } from '../../adapters/auth/tokens.js';"],
  ['src/api/middleware/deep/x.ts', "import * as engines from '../../../adapters/engines/index.js';"],
  ['src/adapters/x.ts', "import { makeAggregate } from '../commands/aggregate.js';"],
  ['src/adapters/db/x.ts', "import { projections } from '../../projections/index.js';"],
  ['src/adapters/engines/mysql/x.ts', "import { envelope } from '../../../api/envelope.js';"],
  ['src/adapters/engines/mysql/x.ts', "import { main } from '../../../cli.js';"],
  ['src/adapters/a/b/c/d/x.ts', "import { main } from '../../../../../cli/store.js';"],
];

const unnormalized: [file: string, source: string][] = [
  ['src/domain/x.ts', "import { knexFor } from './sessions/../../adapters/db/knex.js';"],
  ['src/domain/x.ts', "import { knexFor } from './../adapters/db/knex.js';"],
  ['src/commands/sync/x.ts', "import { envelope } from '../../domain/./../api/envelope.js';"],
];

const permitted: [file: string, source: string][] = [
  ['src/domain/x.ts', "import { z } from 'zod';"],
  ['src/domain/sessions/x.ts', "import { AppError } from '../errors.js';"],
  ['src/domain/x.ts', "import { decide } from './sessions/decider.js';"],
  ['src/domain/engines/mysql/x.ts', "import { roleClosure } from '../../roleClosure.js';"],
  [
    'src/domain/sessions/x.unit.test.ts',
    "import { givenEvents } from '../../../test/support/deciderSpec.js';",
  ],
  ['src/commands/x.ts', "import type { EventStore } from '../adapters/eventStore/port.js';"],
  ['src/commands/sync/x.ts', "import { knexFor } from '../../adapters/db/knex.js';"],
  ['src/commands/sync/x.ts', "import { decide } from '../../domain/sessions/decider.js';"],
  ['src/commands/x.ts', "import { guide } from '../apiGuide.js';"],
  ['src/commands/sync/x.ts', "import { runner } from '../projections.js';"],
  ['src/projections/accounts/x.ts', "import { knexFor } from '../../adapters/db/knex.js';"],
  ['src/api/routes/x.ts', "import type { EventStore } from '../../adapters/eventStore/port.js';"],
  ['src/api/routes/x.ts', "import { type Tokens } from '../../adapters/auth/tokens.js';"],
  ['src/api/routes/x.ts', "import { makeAggregate } from '../../commands/aggregate.js';"],
  ['src/api/routes/x.ts', "import { instanceById } from '../../projections/instances/queries.js';"],
  ['src/adapters/db/x.ts', "import { errorMessage } from '../../domain/errors.js';"],
  [
    'src/compose.ts',
    "import { knexFor } from './adapters/db/knex.js';\nimport { mountRoutes } from './api/mount.js';",
  ],
  ['src/cli/x.ts', "import { makeAggregate } from '../commands/aggregate.js';"],
  ['src/commands/x.int.test.ts', "import { projectionRunner } from '../projections/runner.js';"],
];

describe('the import rule', () => {
  it.each(forbidden)('%s: %s is an error', async (file, source) => {
    expect(await importErrors(file, source)).toEqual([expect.stringContaining('docs/architecture.md')]);
  });

  it.each(unnormalized)('%s: %s is refused, the path not being normalized', async (file, source) => {
    expect(await importErrors(file, source)).toEqual([expect.stringContaining('without ./ or ../')]);
  });

  it.each(permitted)('%s: %s passes', async (file, source) => {
    expect(await importErrors(file, source)).toEqual([]);
  });

  it('covers every file of a layer, however deep it lies', async () => {
    const files = (await fs.readdir(path.join(repoRoot, 'src'), { recursive: true })).filter(
      (f) =>
        f.endsWith('.ts') &&
        !f.endsWith('.int.test.ts') &&
        /^(domain|commands|projections|adapters|api)\//.test(f),
    );
    const unchecked = [];
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(path.join(repoRoot, 'src', file))) as {
        rules?: Record<string, unknown>;
      };
      if (!config.rules?.[rule]) unchecked.push(file);
    }
    expect(files.length).toBeGreaterThan(100);
    expect(unchecked).toEqual([]);
  });
});
