// instances: one row per instance, with its connection status: set by connection tests, and by what syncs
// observe (docs/api.md, "One instance per server").
import type { Knex } from 'knex';
import { prepared } from '../../adapters/db/preparedStatements.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { Projection } from '../projection.js';

/** Events that hold something read from the instance: it was reachable when they were appended. */
const readFromInstance = [
  'InstanceInventorySynced',
  'PermissionsSynced',
  'DatabaseInventorySynced',
  'StatsSaved',
  'TableSizesSaved',
];

/**
 * A record (or one attempt of it) that could not reach the instance: the connect phase failed (no
 * credential, the deadline before any read), or a read failed for the connection (refused, unknown host,
 * wrong password, lost). Failures of later phases with other codes say nothing about the connection.
 */
const connectionFailed = (d: Record<string, unknown>) =>
  d.phase === 'connect' || d.messageCode === 'DATABASE_CONNECTION_ERROR';

const columns: Record<string, string> = {
  name: 'name',
  dbType: 'db_type',
  host: 'host',
  port: 'port',
  databaseName: 'database_name',
  credentialId: 'credential_id',
  description: 'description',
  isActive: 'is_active',
};

type Changes = Record<string, unknown>;

/**
 * What an event does to the instances table: the row a registration inserts (when the id is new), or
 * the columns an event sets on its instance's row (undefined: nothing).
 */
function effectOf(e: RecordedEvent): { insert: Changes } | { id: string; set: Changes } | undefined {
  const at = e.metadata.occurredAt;
  const d = e.data as { instanceId: string } & Record<string, unknown>;
  const set = (changes: Changes) => ({ id: d.instanceId, set: changes });
  switch (e.type) {
    case 'InstanceRegistered':
      return {
        insert: {
          id: d.instanceId,
          name: d.name,
          db_type: d.dbType,
          host: d.host,
          port: d.port,
          database_name: d.databaseName,
          credential_id: d.credentialId,
          description: d.description,
          created_at: at,
          updated_at: at,
        },
      };
    case 'InstanceUpdated': {
      const row: Changes = { updated_at: at };
      for (const [k, v] of Object.entries(d.changes as Changes)) if (columns[k]) row[columns[k]] = v;
      return set(row);
    }
    case 'InstanceDeleted':
      return set({ deleted_at: at, updated_at: at });
    case 'InstanceRestored':
      return set({ deleted_at: null, updated_at: at });
    case 'InstanceConnectionTested': {
      const ok = d.ok === true;
      return set({
        connection_status: ok ? 'connected' : 'failed',
        last_checked_at: at,
        last_latency_ms: d.latencyMs,
        last_error_code: ok ? null : d.errorCode,
        last_error: ok ? null : d.message,
        ...(ok ? { last_connected: at, main_version: d.version } : {}),
      });
    }
    case 'InstanceSyncFailed':
    case 'InstanceAttemptFailed':
      if (!connectionFailed(d)) return undefined;
      return set({
        connection_status: 'failed',
        last_checked_at: at,
        last_error_code: d.messageCode,
        last_error: d.message,
      });
    default:
      if (!readFromInstance.includes(e.type)) return undefined;
      return set({
        connection_status: 'connected',
        last_checked_at: at,
        last_connected: at,
        last_error_code: null,
        last_error: null,
      });
  }
}

/**
 * Writes the pending changes: one UPDATE per set of columns, each row's values typed by the table's own
 * row type (jsonb_populate_recordset), so a value binds as the per-column update would bind it.
 */
async function writeChanges(trx: Knex.Transaction, t: string, pending: Map<string, Changes>) {
  const groups = new Map<string, Changes[]>();
  for (const [id, changes] of pending) {
    const key = Object.keys(changes).sort().join(',');
    const group = groups.get(key);
    if (group) group.push({ ...changes, id });
    else groups.set(key, [{ ...changes, id }]);
  }
  for (const [key, rows] of groups) {
    const cols = key.split(',');
    await trx
      .raw(
        `UPDATE ?? AS t SET ${cols.map(() => '?? = v.??').join(', ')}
       FROM jsonb_populate_recordset(NULL::??, ?::jsonb) AS v WHERE t.id = v.id`,
        [t, ...cols.flatMap((c) => [c, c]), t, JSON.stringify(rows)],
      )
      .options(prepared);
  }
  pending.clear();
}

export const instancesProjection: Projection = {
  name: 'instances',
  tables: ['instances'],
  eventTypes: [
    'InstanceRegistered',
    'InstanceUpdated',
    'InstanceDeleted',
    'InstanceRestored',
    'InstanceConnectionTested',
    ...readFromInstance,
    'InstanceSyncFailed',
    'InstanceAttemptFailed',
  ],
  // Every event but a registration sets columns of one row, so a batch's successive changes to a row
  // merge into one (the later value of a column wins), written before the next registration.
  apply: async ({ trx, table }, events) => {
    const t = table('instances');
    const pending = new Map<string, Changes>();
    for (const e of events) {
      const effect = effectOf(e);
      if (!effect) continue;
      if ('insert' in effect) {
        await writeChanges(trx, t, pending);
        await trx(t).insert(effect.insert).onConflict('id').ignore();
        continue;
      }
      // knex leaves a column whose value is undefined out of an update: so does the merge.
      const defined = Object.entries(effect.set).filter(([, v]) => v !== undefined);
      pending.set(effect.id, { ...pending.get(effect.id), ...Object.fromEntries(defined) });
    }
    await writeChanges(trx, t, pending);
  },
};
