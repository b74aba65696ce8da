// The instance list's filters: engine, tag, status (selects apply at once) and a search in names and
// hosts (applied on Enter or "Filter"). The page keeps them in the URL query.
import { useEffect, useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { useApi } from '../../hooks';
import { Field, Select } from '../common';
import { dbTypes, engineNames, instanceStatuses } from './model';

export interface ListQuery {
  db_type?: string | undefined;
  tag?: string | undefined;
  status?: string | undefined;
  search?: string | undefined;
}

export function InstanceFilters({ value, onChange }: { value: ListQuery; onChange: (q: ListQuery) => void }) {
  const [search, setSearch] = useState(value.search ?? '');
  useEffect(() => setSearch(value.search ?? ''), [value.search]);
  const tags = useApi(() => unwrap(client.GET('/tags/options')), []);
  const tagNames = (tags.data ?? []).map((t) => ({ value: t.name, label: t.display_name || t.name }));
  // A tag named in the URL but not among the options (inactive, or several names) still shows.
  if (value.tag && !tagNames.some((t) => t.value === value.tag))
    tagNames.push({ value: value.tag, label: value.tag });
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter instances"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...value, search: search.trim() || undefined });
      }}
    >
      <Select
        label="Engine"
        value={value.db_type ?? ''}
        options={[{ value: '', label: 'any' }, ...dbTypes.map((t) => ({ value: t, label: engineNames[t] }))]}
        onChange={(e) => onChange({ ...value, db_type: e.currentTarget.value || undefined })}
      />
      <Select
        label="Tag"
        value={value.tag ?? ''}
        options={[{ value: '', label: 'any' }, ...tagNames]}
        onChange={(e) => onChange({ ...value, tag: e.currentTarget.value || undefined })}
      />
      <Select
        label="Status"
        value={value.status ?? ''}
        options={[{ value: '', label: 'not deleted' }, ...instanceStatuses]}
        onChange={(e) => onChange({ ...value, status: e.currentTarget.value || undefined })}
      />
      <Field
        label="Search"
        type="search"
        placeholder="name or host"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <button type="submit">Filter</button>
    </form>
  );
}
