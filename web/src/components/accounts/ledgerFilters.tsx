// The account ledger's filters: the URL query (shared links keep them) as the API's query, and the form
// that changes them. Selects apply at once; the text fields (search, tags) on Enter or Apply.
import { useEffect, useState } from 'preact/hooks';
import type { paths } from '../../api/client';
import { Field, Select } from '../common';
import { ClassificationPicker, InstancePicker } from '../pickers';
import { idOf, oneOf, type Query } from '../urlQuery';

export type LedgerQuery = NonNullable<paths['/accounts/ledgers']['get']['parameters']['query']>;
export type LedgerFilters = Omit<LedgerQuery, 'page' | 'limit'>;

export const capabilityOptions = ['SUPERUSER', 'GRANT_ADMIN', 'LOCKED'] as const;
export const engineOptions = ['mysql', 'postgresql', 'sqlserver', 'oracle'] as const;
export const riskOptions = ['low', 'medium', 'high', 'critical'] as const;
const yesNo = ['true', 'false'] as const;

/** The filters the URL names, as the API takes them (a value the API would refuse is dropped). */
export function ledgerFiltersOf(q: Query): LedgerFilters {
  const f: LedgerFilters = {
    capability: oneOf(q.capability, capabilityOptions),
    classification_id: idOf(q.classification_id),
    risk_level: oneOf(q.risk_level, riskOptions),
    db_type: oneOf(q.db_type, engineOptions),
    instance_id: idOf(q.instance_id),
    tag: q.tag || undefined,
    locked: oneOf(q.locked, yesNo),
    search: q.search || undefined,
    include_deleted: oneOf(q.include_deleted, yesNo),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
}

export const hasFilters = (f: LedgerFilters): boolean => Object.keys(f).length > 0;

const value = (e: Event) => (e.currentTarget as HTMLSelectElement).value || undefined;

export function LedgerFilterForm({ filters, set }: { filters: LedgerFilters; set: (patch: Query) => void }) {
  const [search, setSearch] = useState(filters.search ?? '');
  const [tag, setTag] = useState(filters.tag ?? '');
  useEffect(() => setSearch(filters.search ?? ''), [filters.search]);
  useEffect(() => setTag(filters.tag ?? ''), [filters.tag]);
  const any = (values: readonly string[]) => ['', ...values];
  return (
    <form
      class="filters"
      aria-label="Filter accounts"
      onSubmit={(e) => {
        e.preventDefault();
        set({ search: search.trim(), tag: tag.trim().replace(/\s*,\s*/g, ',') });
      }}
    >
      <Select
        label="Capability"
        value={filters.capability ?? ''}
        onChange={(e) => set({ capability: value(e) })}
        options={any(capabilityOptions)}
      />
      <ClassificationPicker
        value={filters.classification_id}
        onChange={(v) => set({ classification_id: v })}
      />
      <Select
        label="Risk level (at least)"
        value={filters.risk_level ?? ''}
        onChange={(e) => set({ risk_level: value(e) })}
        options={any(riskOptions)}
      />
      <Select
        label="Engine"
        value={filters.db_type ?? ''}
        onChange={(e) => set({ db_type: value(e) })}
        options={any(engineOptions)}
      />
      <InstancePicker value={filters.instance_id} onChange={(v) => set({ instance_id: v })} />
      <Select
        label="Locked"
        value={filters.locked ?? ''}
        onChange={(e) => set({ locked: value(e) })}
        options={[
          { value: '', label: 'any' },
          { value: 'true', label: 'locked' },
          { value: 'false', label: 'not locked' },
        ]}
      />
      <Select
        label="Deleted accounts"
        value={filters.include_deleted ?? ''}
        onChange={(e) => set({ include_deleted: value(e) })}
        options={[
          { value: '', label: 'hidden' },
          { value: 'true', label: 'shown' },
        ]}
      />
      <Field
        label="Tags (all of, comma-separated)"
        value={tag}
        onInput={(e) => setTag(e.currentTarget.value)}
      />
      <Field
        label="Username contains"
        type="search"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <button type="submit">Apply</button>
    </form>
  );
}
