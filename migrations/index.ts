// The ordered list of migrations. Listed here (not discovered on disk) so the same code runs under
// tsx, vitest and the compiled build.
import type { Knex } from 'knex';
import * as eventStore from './20261122_0001_event_store.js';
import * as streamCatalog from './20261122_0002_stream_catalog.js';
import * as usersAuthAudit from './20261122_0003_users_auth_audit.js';
import * as credentialsInstances from './20261122_0004_credentials_instances.js';
import * as syncSessionsAccounts from './20261122_0005_sync_sessions_accounts.js';
import * as sizeStats from './20261122_0006_size_stats.js';
import * as capacityReadModels from './20261122_0007_capacity_read_models.js';
import * as sizeAggregations from './20261122_0008_size_aggregations.js';
import * as databaseIds from './20261122_0009_database_ids.js';
import * as recordRetrying from './20261122_0010_record_retrying.js';
import * as trendDirectionNullable from './20261122_0011_trend_direction_nullable.js';
import * as eventsSessionIndex from './20261122_0012_events_session_index.js';
import * as instanceEndpoints from './20261122_0013_instance_endpoints.js';
import * as appendFence from './20261122_0014_append_fence.js';
import * as processHeartbeats from './20261122_0015_process_heartbeats.js';
import * as classificationWriteSide from './20261202_0016_classification_write_side.js';
import * as classificationReadModels from './20261202_0017_classification_read_models.js';
import * as tagReadModels from './20261202_0019_tag_read_models.js';
import * as tagWriteSide from './20261202_0020_tag_write_side.js';
import * as schedulerReadModels from './20261202_0021_scheduler_read_models.js';
import * as rateLimitHits from './20261202_0022_rate_limit_hits.js';
import * as lockAny from './20261202_0023_lock_any.js';
import * as apiReadIndexes from './20261203_0033_api_read_indexes.js';
import * as accountSearch from './20261203_0033_b_account_search.js';
import * as sizeStatsDateIndex from './20261203_0034_size_stats_date_index.js';
import * as accountCapabilityCounts from './20261203_0035_account_capability_counts.js';
import * as instanceLatestSizes from './20261203_0036_instance_latest_sizes.js';
import * as accountLedgerSnapshots from './20261203_0041_account_ledger_snapshots.js';
import * as sessionRecordPages from './20261203_0042_session_record_pages.js';
import * as lz4JsonColumns from './20261207_0043_lz4_json_columns.js';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: readonly Migration[] = [
  { name: '20261122_0001_event_store', ...eventStore },
  { name: '20261122_0002_stream_catalog', ...streamCatalog },
  { name: '20261122_0003_users_auth_audit', ...usersAuthAudit },
  { name: '20261122_0004_credentials_instances', ...credentialsInstances },
  { name: '20261122_0005_sync_sessions_accounts', ...syncSessionsAccounts },
  { name: '20261122_0006_size_stats', ...sizeStats },
  { name: '20261122_0007_capacity_read_models', ...capacityReadModels },
  { name: '20261122_0008_size_aggregations', ...sizeAggregations },
  { name: '20261122_0009_database_ids', ...databaseIds },
  { name: '20261122_0010_record_retrying', ...recordRetrying },
  { name: '20261122_0011_trend_direction_nullable', ...trendDirectionNullable },
  { name: '20261122_0012_events_session_index', ...eventsSessionIndex },
  { name: '20261122_0013_instance_endpoints', ...instanceEndpoints },
  { name: '20261122_0014_append_fence', ...appendFence },
  { name: '20261122_0015_process_heartbeats', ...processHeartbeats },
  { name: '20261202_0016_classification_write_side', ...classificationWriteSide },
  { name: '20261202_0017_classification_read_models', ...classificationReadModels },
  { name: '20261202_0019_tag_read_models', ...tagReadModels },
  { name: '20261202_0020_tag_write_side', ...tagWriteSide },
  { name: '20261202_0021_scheduler_read_models', ...schedulerReadModels },
  { name: '20261202_0022_rate_limit_hits', ...rateLimitHits },
  { name: '20261202_0023_lock_any', ...lockAny },
  { name: '20261203_0033_api_read_indexes', ...apiReadIndexes },
  { name: '20261203_0033_b_account_search', ...accountSearch },
  { name: '20261203_0034_size_stats_date_index', ...sizeStatsDateIndex },
  { name: '20261203_0035_account_capability_counts', ...accountCapabilityCounts },
  { name: '20261203_0036_instance_latest_sizes', ...instanceLatestSizes },
  { name: '20261203_0041_account_ledger_snapshots', ...accountLedgerSnapshots },
  { name: '20261203_0042_session_record_pages', ...sessionRecordPages },
  { name: '20261207_0043_lz4_json_columns', ...lz4JsonColumns },
];
