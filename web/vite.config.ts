// Builds the web console (web/) into dist/web, which `serve` hands out at / (src/api/webConsole.ts).
// No CDN: every script, style and font is in the bundle. `npm run dev:web` serves it with hot reload and
// proxies /api to a local `npm start`.
import path from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: path.resolve(root, '../dist/web'),
    emptyOutDir: true,
    sourcemap: true,
    // .vite/manifest.json: which files each page needs (test/e2e/webConsole.e2e.test.ts weighs the first one).
    manifest: true,
    // The first page's scripts stay small (issue: under 300 KB gzipped): each page is its own chunk.
    chunkSizeWarningLimit: 300,
  },
  server: {
    port: 5173,
    proxy: { '/api': 'http://127.0.0.1:5080', '/metrics': 'http://127.0.0.1:5080' },
  },
});
