// Every projection the service runs. Later read models register here.
import type { Projection } from './projection.js';
import { auditLogProjection } from './auditLog/projection.js';
import { credentialsProjection } from './credentials/projection.js';
import { instancesProjection } from './instances/projection.js';
import { streamCatalogProjection } from './streamCatalog/projection.js';

export const allProjections: readonly Projection[] = [
  streamCatalogProjection,
  auditLogProjection,
  credentialsProjection,
  instancesProjection,
];

export function findProjection(name: string): Projection {
  const found = allProjections.find((p) => p.name === name);
  if (!found) {
    throw new Error(`unknown projection '${name}'; known: ${allProjections.map((p) => p.name).join(', ')}`);
  }
  return found;
}
