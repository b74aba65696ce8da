// A session's records, paged and filtered (status, phase of the last failure, a part of the instance
// name; all in the URL, so a filtered view can be shared). Page 1 without a filter is the page the
// session's own answer carries (GET /sync-sessions/{id}); other pages and filters come from
// GET /sync-sessions/{id}/records, read again whenever the page reloads the session (`version`).
import { useEffect, useState } from 'preact/hooks';
import { client, unwrapPage, type PageMeta } from '../../api/client';
import { useApi } from '../../hooks';
import { ErrorBox, Field, Loading, Select } from '../common';
import { Pager } from '../pager';
import { oneOf, pageOf, useUrlQuery } from '../urlQuery';
import { recordPhases, recordStatuses, type RecordQuery, type Session, type SessionRecord } from './model';
import { RecordsTable } from './records';

/** The session's first page holds this many records: other pages are of the same size. */
const PAGE_SIZE = 100;
/** The API's longest search. */
const SEARCH_MAX = 128;

export function SessionRecords({
  session,
  version,
  canAct,
  onChanged,
}: {
  session: Session;
  /** Changes each time the page reloads the session: the page shown is read again. */
  version: number;
  canAct: boolean;
  onChanged: () => void;
}) {
  const { query, set } = useUrlQuery(['records_page']);
  const page = pageOf(query.records_page);
  const filters = {
    status: oneOf(query.status, recordStatuses),
    phase: oneOf(query.phase, recordPhases),
    search: query.search?.trim().slice(0, SEARCH_MAX) || undefined,
  };
  const filtered = Object.values(filters).some(Boolean);
  const own = page === 1 && !filtered;
  const apiQuery: RecordQuery = { page, limit: PAGE_SIZE, ...filters };
  const key = JSON.stringify([session.session_id, apiQuery]);
  const list = useApi(
    async () => ({
      key,
      value: own
        ? undefined
        : await unwrapPage(
            client.GET('/sync-sessions/{id}/records', {
              params: { path: { id: session.session_id }, query: apiQuery },
            }),
          ),
    }),
    [key, version],
  );
  const other = list.data?.key === key ? list.data.value : undefined;
  const shown: { data: readonly SessionRecord[]; meta: PageMeta | undefined } | undefined = own
    ? { data: session.records, meta: session.records_meta }
    : other;

  return (
    <>
      <RecordFilters value={filters} onChange={(f) => set({ ...f })} />
      <ErrorBox error={own ? undefined : list.error} />
      {!shown ? (
        !list.error && <Loading />
      ) : (
        <RecordsTable
          session={session}
          records={shown.data}
          filtered={filtered}
          canAct={canAct}
          onChanged={onChanged}
        />
      )}
      <Pager label="Pages of records" meta={shown?.meta} onPage={(p) => set({ records_page: String(p) })} />
    </>
  );
}

interface Filters {
  status?: string | undefined;
  phase?: string | undefined;
  search?: string | undefined;
}

/** Selects apply at once; the search on Enter or "Filter". */
function RecordFilters({ value, onChange }: { value: Filters; onChange: (f: Filters) => void }) {
  const [search, setSearch] = useState(value.search ?? '');
  useEffect(() => setSearch(value.search ?? ''), [value.search]);
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter records"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...value, search: search.trim() || undefined });
      }}
    >
      <Select
        label="Record status"
        value={value.status ?? ''}
        options={[{ value: '', label: 'every status' }, ...recordStatuses]}
        onChange={(e) => onChange({ ...value, status: e.currentTarget.value || undefined })}
      />
      <Select
        label="Failed in phase"
        value={value.phase ?? ''}
        options={[{ value: '', label: 'every phase' }, ...recordPhases]}
        onChange={(e) => onChange({ ...value, phase: e.currentTarget.value || undefined })}
      />
      <Field
        label="Instance name"
        type="search"
        maxLength={SEARCH_MAX}
        placeholder="a part of the name"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <button type="submit">Filter</button>
    </form>
  );
}
