// Global setup of the e2e and browser projects: one build before any test file starts (serverProcess.ts).
import { buildOnce } from './serverProcess.js';

export default async function setup(): Promise<void> {
  await buildOnce();
}
