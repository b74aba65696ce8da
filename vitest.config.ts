import { defineConfig } from 'vitest/config';

const globalSetup = ['./test/support/globalSetup.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['src/**/*.unit.test.ts', 'test/**/*.unit.test.ts'] },
      },
      {
        test: {
          name: 'int',
          include: ['src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          globalSetup,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          globalSetup,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
