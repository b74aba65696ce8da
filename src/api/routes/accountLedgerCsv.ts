// The columns of GET /accounts/ledgers/actions/export: one line per account, its state and what its
// latest facts say (lists joined with "; ", per-database privileges as "db: A, B; db2: C"), and the
// classifications it holds ("super user (critical); grant admin (high)").
import type { z } from 'zod';
import type { CsvValue } from '../csv.js';
import type { accountLedgerSchema } from '../schemas/accounts.js';

type Ledger = z.input<typeof accountLedgerSchema>;

export const ledgerCsvColumns = [
  'id',
  'instance_id',
  'instance_name',
  'db_type',
  'username',
  'is_active',
  'is_system',
  'is_locked',
  'is_superuser',
  'capabilities',
  'roles',
  'global_privileges',
  'server_privileges',
  'database_privileges',
  'classifications',
  'first_seen_at',
  'last_seen_at',
  'deleted_at',
  'last_sync_time',
  'last_change_type',
  'last_change_time',
] as const;

const list = (items: readonly string[] | undefined) => (items ?? []).join('; ');
const perDatabase = (m: Record<string, string[]> | undefined) =>
  Object.entries(m ?? {})
    .map(([db, privileges]) => `${db}: ${privileges.join(', ')}`)
    .join('; ');

export function ledgerCsvCells(a: Ledger): CsvValue[] {
  const p = a.permissions;
  const f = p?.facts ?? null;
  return [
    a.id,
    a.instance_id,
    a.instance_name,
    a.db_type,
    a.username,
    a.is_active,
    a.is_system,
    a.is_locked,
    a.is_superuser,
    list(f?.capabilities),
    list(f?.roles),
    list(f?.privileges.global),
    list([...(f?.privileges.server ?? []), ...(f?.privileges.system ?? [])]),
    perDatabase(f?.privileges.database),
    list(a.classifications.map((c) => `${c.name} (${c.risk_level})`)),
    a.first_seen_at,
    a.last_seen_at,
    a.deleted_at,
    p?.last_sync_time ?? null,
    p?.last_change_type ?? null,
    p?.last_change_time ?? null,
  ];
}
