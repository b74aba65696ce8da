// instances: one row per instance, with its connection status: set by connection tests, and by what syncs
// observe (docs/api.md, "One instance per server").
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { eachEvent, type Projection } from '../projection.js';

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
  apply: eachEvent(async ({ trx, table }, e: RecordedEvent) => {
    const at = e.metadata.occurredAt;
    const t = table('instances');
    const d = e.data as { instanceId: string } & Record<string, unknown>;
    switch (e.type) {
      case 'InstanceRegistered':
        await trx(t)
          .insert({
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
          })
          .onConflict('id')
          .ignore();
        return;
      case 'InstanceUpdated': {
        const row: Record<string, unknown> = { updated_at: at };
        for (const [k, v] of Object.entries(d.changes as Record<string, unknown>))
          if (columns[k]) row[columns[k]] = v;
        await trx(t).where({ id: d.instanceId }).update(row);
        return;
      }
      case 'InstanceDeleted':
        await trx(t).where({ id: d.instanceId }).update({ deleted_at: at, updated_at: at });
        return;
      case 'InstanceRestored':
        await trx(t).where({ id: d.instanceId }).update({ deleted_at: null, updated_at: at });
        return;
      case 'InstanceConnectionTested': {
        const ok = d.ok === true;
        await trx(t)
          .where({ id: d.instanceId })
          .update({
            connection_status: ok ? 'connected' : 'failed',
            last_checked_at: at,
            last_latency_ms: d.latencyMs,
            last_error_code: ok ? null : d.errorCode,
            last_error: ok ? null : d.message,
            ...(ok ? { last_connected: at, main_version: d.version } : {}),
          });
        return;
      }
      case 'InstanceSyncFailed':
      case 'InstanceAttemptFailed':
        if (!connectionFailed(d)) return;
        await trx(t).where({ id: d.instanceId }).update({
          connection_status: 'failed',
          last_checked_at: at,
          last_error_code: d.messageCode,
          last_error: d.message,
        });
        return;
      default:
        if (!readFromInstance.includes(e.type)) return;
        await trx(t).where({ id: d.instanceId }).update({
          connection_status: 'connected',
          last_checked_at: at,
          last_connected: at,
          last_error_code: null,
          last_error: null,
        });
    }
  }),
};
