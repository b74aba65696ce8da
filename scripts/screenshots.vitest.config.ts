// `npm run screenshots`: scripts/screenshots.shots.ts under vitest, with the browser tests' global setup
// (PostgreSQL for the test databases, one build). Not a project of `npm test`.
import { defineConfig } from 'vitest/config';

process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.TEST_MYSQL_URL ??= 'mysql://root@127.0.0.1:3306/mysql';

export default defineConfig({
  test: {
    include: ['scripts/screenshots.shots.ts'],
    globalSetup: ['./test/support/globalSetup.ts', './test/support/buildSetup.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
