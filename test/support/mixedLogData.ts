// The larger pieces of the mixed log's events (mixedLog.ts): an account's permission entry, a collection's
// sizes, an instance's daily aggregation rows. Figures vary with the day and the instance.
import type { PermissionFacts } from '../../src/domain/engines/model.js';

/** One account of a PermissionsSynced; `changed`: its PROCESS grant moved today (`holds`: it has it now). */
export function permissionEntry(username: string, facts: PermissionFacts, changed: boolean, holds: boolean) {
  const moved = holds ? { added: ['PROCESS'], removed: [] } : { added: [], removed: ['PROCESS'] };
  return {
    username,
    facts,
    snapshot: {
      version: 4,
      db_type: facts.db_type,
      categories: { global_privileges: facts.privileges.global },
    },
    diff: changed
      ? {
          capabilities: { added: [], removed: [] },
          roles: { added: [], removed: [] },
          privileges: { global: moved },
        }
      : null,
  };
}

export const databaseSizes = (names: readonly string[], d: number, i: number) =>
  names.map((databaseName, k) => ({
    databaseName,
    sizeMb: 100 * (k + 1) + d + i,
    dataSizeMb: 80 * (k + 1) + d,
    logSizeMb: null,
  }));

export const tableSizes = (d: number) =>
  Array.from({ length: 10 }, (_, k) => ({
    schemaName: 'public',
    tableName: `t_${k}`,
    sizeMb: k + d,
    dataSizeMb: k,
    indexSizeMb: 1,
    rowCount: 1000 * k,
  }));

/** An InstanceAggregated's rows of a daily period: the instance's and its databases'. */
export function aggregationRows(instanceId: string, day: string, d: number, databaseCount: number) {
  const common = {
    instance_id: instanceId,
    period_type: 'daily',
    period_start: day,
    period_end: day,
    data_count: 1,
  };
  const databases = Array.from({ length: databaseCount }, (_, k) => ({
    ...common,
    database_name: `db_${k}`,
    avg_size_mb: 100 + k,
    max_size_mb: 100 + k,
    min_size_mb: 100 + k,
    avg_data_size_mb: 80,
    max_data_size_mb: 80,
    min_data_size_mb: 80,
    avg_log_size_mb: null,
    max_log_size_mb: null,
    min_log_size_mb: null,
    size_change_mb: d === 0 ? null : 1,
    size_change_percent: d === 0 ? null : 1,
    growth_rate: null,
  }));
  const total = databases.reduce((s, x) => s + x.avg_size_mb, 0);
  const instance = {
    ...common,
    avg_total_size_mb: total,
    max_total_size_mb: total,
    min_total_size_mb: total,
    avg_database_count: databases.length,
    max_database_count: databases.length,
    min_database_count: databases.length,
    total_size_change_mb: null,
    total_size_change_percent: null,
    database_count_change: null,
    growth_rate: null,
    trend_direction: null,
  };
  return { instance, databases };
}
