// Every projection the service runs. Later read models register here.
import { aggregationsProjection } from './aggregations/projection.js';
import type { Projection } from './projection.js';
import { accountsProjection } from './accounts/projection.js';
import { auditLogProjection } from './auditLog/projection.js';
import { capacityProjection } from './capacity/projection.js';
import { classificationAssignmentsProjection } from './classification/assignmentsProjection.js';
import { classificationsProjection } from './classification/catalogProjection.js';
import { credentialsProjection } from './credentials/projection.js';
import { instancesProjection } from './instances/projection.js';
import { streamCatalogProjection } from './streamCatalog/projection.js';
import { schedulerProjection } from './scheduler/projection.js';
import { syncSessionsProjection } from './syncSessions/projection.js';
import { tagsProjection } from './tags/projection.js';

export const allProjections: readonly Projection[] = [
  streamCatalogProjection,
  auditLogProjection,
  credentialsProjection,
  instancesProjection,
  syncSessionsProjection,
  accountsProjection,
  capacityProjection,
  aggregationsProjection,
  classificationsProjection,
  classificationAssignmentsProjection,
  tagsProjection,
  schedulerProjection,
];

export function findProjection(name: string): Projection {
  const found = allProjections.find((p) => p.name === name);
  if (!found) {
    throw new Error(`unknown projection '${name}'; known: ${allProjections.map((p) => p.name).join(', ')}`);
  }
  return found;
}
