// What the instance pages share: the API's instance and tag shapes (from the generated types), the
// engines and their default ports, and the list's "status" filter in the API's terms.
import type { paths } from '../../api/client';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;
type DataOf<T> = Json<T> extends { data: infer D } ? D : never;

export type Instance = DataOf<paths['/instances/{id}']['get']['responses'][200]>;
/** The instance as a write answers it: without tags and last sync. */
export type SavedInstance = Omit<Instance, 'tags' | 'last_synced_at'>;
export type InstanceTag = Instance['tags'][number];
export type DbType = Instance['db_type'];
export type Credential = DataOf<paths['/credentials/{id}']['get']['responses'][200]>;
export type TagOption = DataOf<paths['/tags/options']['get']['responses'][200]>[number];
export type Tag = DataOf<paths['/tags/{id}']['get']['responses'][200]>;
export type BulkReceipt = DataOf<paths['/tags/bulk/actions/assign']['post']['responses'][200]>;
export type ConnectionOutcome = DataOf<paths['/instances/actions/test-connection']['post']['responses'][200]>;

export const dbTypes: readonly DbType[] = ['mysql', 'postgresql', 'sqlserver', 'oracle'];
export const defaultPorts: Record<DbType, number> = {
  mysql: 3306,
  postgresql: 5432,
  sqlserver: 1433,
  oracle: 1521,
};
export const engineNames: Record<DbType, string> = {
  mysql: 'MySQL / MariaDB',
  postgresql: 'PostgreSQL',
  sqlserver: 'SQL Server',
  oracle: 'Oracle',
};
export const isDbType = (v: string | undefined): v is DbType => dbTypes.includes(v as DbType);

/** The list's status filter: active, inactive, or in the recycle bin. */
export const instanceStatuses = ['active', 'inactive', 'deleted'] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

export function statusQuery(status: string | undefined): { active?: 'true' | 'false'; deleted?: 'true' } {
  if (status === 'active') return { active: 'true' };
  if (status === 'inactive') return { active: 'false' };
  if (status === 'deleted') return { deleted: 'true' };
  return {};
}

/** The GET /instances query for the console's instance filters (engine, tag, search, status). */
export const instanceListQuery = (
  filters: { db_type?: string | undefined; tag?: string | undefined; search?: string | undefined },
  status: string | undefined,
  page: number,
) => ({
  page,
  limit: 20,
  ...(isDbType(filters.db_type) ? { db_type: filters.db_type } : {}),
  ...(filters.tag ? { tag: filters.tag } : {}),
  ...(filters.search ? { search: filters.search } : {}),
  ...statusQuery(status),
});

export const statusOf = (i: Pick<Instance, 'deleted_at' | 'is_active'>): InstanceStatus =>
  i.deleted_at ? 'deleted' : i.is_active ? 'active' : 'inactive';
