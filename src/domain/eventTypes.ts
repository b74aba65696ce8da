// Every event type of the service, registered once. Each area adds its definitions here.
import type { EventDefinition } from './events/registry.js';
import { EventRegistry } from './events/registry.js';
import { accountEventDefinitions } from './accounts/events.js';
import { aggregationEventDefinitions } from './aggregation/events.js';
import { auditEventDefinitions } from './audit/events.js';
import { capacityEventDefinitions } from './capacity/events.js';
import { assignmentEventDefinitions } from './classification/assignments.js';
import { classificationEventDefinitions } from './classification/events.js';
import { credentialEventDefinitions } from './credentials/events.js';
import { instanceEventDefinitions } from './instances/events.js';
import { partitionEventDefinitions } from './partitions/events.js';
import { schedulerEventDefinitions } from './scheduler/events.js';
import { sessionEventDefinitions } from './sessions/events.js';
import { tagEventDefinitions } from './tags/events.js';

export const eventDefinitions: readonly EventDefinition[] = [
  ...auditEventDefinitions,
  ...credentialEventDefinitions,
  ...instanceEventDefinitions,
  ...sessionEventDefinitions,
  ...accountEventDefinitions,
  ...capacityEventDefinitions,
  ...aggregationEventDefinitions,
  ...partitionEventDefinitions,
  ...classificationEventDefinitions,
  ...assignmentEventDefinitions,
  ...tagEventDefinitions,
  ...schedulerEventDefinitions,
];

export const createEventRegistry = (): EventRegistry => new EventRegistry(eventDefinitions);
