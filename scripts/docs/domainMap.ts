// Which doc lists which routes (by their OpenAPI tag) and which events: every tag and every registered event
// type is in exactly one entry (scripts/docs/apiContracts.ts refuses the others). The README's entry is the
// "other" table: routes and events of no domain, listed so that none is left out silently.
import { sessionEventDefinitions } from '../../src/domain/sessions/events.js';

export const README = 'docs/domains/README.md';

export interface DomainDoc {
  file: string;
  /** The OpenAPI tags whose routes this doc's table lists. */
  tags: readonly string[];
  /** The event types this domain appends (from src/domain/<area>/events.ts). */
  events: readonly string[];
}

// A session's own events are the session decider's, whatever the category (accounts, capacity, ...).
const sessionEvents = sessionEventDefinitions.map((d) => d.type);

export const domainDocs: readonly DomainDoc[] = [
  {
    file: 'docs/domains/instances.md',
    tags: ['instances'],
    events: ['InstanceRegistered', 'InstanceUpdated', 'InstanceDeleted', 'InstanceRestored'],
  },
  {
    file: 'docs/domains/accounts-permissions.md',
    tags: ['accounts', 'sync-sessions'],
    events: [
      ...sessionEvents,
      'InstanceInventorySynced',
      'PermissionsSynced',
      'PermissionsFailed',
      'InventoryReverted',
    ],
  },
  {
    file: 'docs/domains/credentials-connections.md',
    tags: ['credentials', 'connections'],
    events: ['CredentialCreated', 'CredentialUpdated', 'CredentialDeleted', 'InstanceConnectionTested'],
  },
  {
    file: 'docs/domains/capacity-partitions.md',
    tags: ['capacity', 'partitions'],
    events: [
      'DatabaseInventorySynced',
      'StatsSaved',
      'TableSizesSaved',
      'InstanceAggregated',
      'AggregationCompleted',
      'PartitionCreated',
      'PartitionDropped',
    ],
  },
  {
    file: 'docs/domains/scheduler.md',
    tags: ['scheduler'],
    events: [
      'JobRegistered',
      'JobScheduleChanged',
      'JobPaused',
      'JobResumed',
      'JobTriggered',
      'JobRunStarted',
      'JobRunEnded',
      'JobTickSkipped',
      'JobTickMissed',
    ],
  },
  {
    file: 'docs/domains/classification.md',
    tags: [
      'classifications',
      'classification-rules',
      'classification-assignments',
      'classification-statistics',
    ],
    events: [
      'ClassificationCreated',
      'ClassificationUpdated',
      'ClassificationDeleted',
      'RuleCreated',
      'RuleVersioned',
      'RuleUpdated',
      'RuleDeleted',
      'AssignmentsChanged',
    ],
  },
  {
    file: 'docs/domains/tags.md',
    tags: ['tags'],
    events: [
      'TagCreated',
      'TagUpdated',
      'TagDeactivated',
      'TagDeleted',
      'InstanceTagged',
      'InstanceUntagged',
    ],
  },
  // Routes and events of no domain above (login, users, health, the dashboard): listed, not left out.
  {
    file: README,
    tags: ['health', 'auth', 'users', 'audit', 'dashboard', 'events', 'meta'],
    events: [
      'LoginSucceeded',
      'LoginFailed',
      'LoggedOut',
      'UserCreated',
      'UserUpdated',
      'UserRoleChanged',
      'UserPasswordChanged',
      'UserDeleted',
    ],
  },
];
