// Bulk tagging on the tags page: choose instances (filter by engine, tag and search, tick them or the
// whole page), choose tags, then assign them, remove them, or remove every tag of the instances. Each is
// one tags session (POST /tags/bulk/actions/...); its receipt is summarised per instance.
import { useState } from 'preact/hooks';
import { client, unwrap, unwrapPage } from '../../api/client';
import { useApi } from '../../hooks';
import { ConfirmButton } from '../confirm';
import { Badge, Empty, ErrorBox, Loading } from '../common';
import { Pager } from '../pager';
import { InstanceFilters, type ListQuery } from '../instances/filters';
import { instanceListQuery, type BulkReceipt, type TagOption } from '../instances/model';
import { TagChips } from '../instances/tagChips';

type Action = 'assign' | 'remove' | 'remove-all';
const done: Record<Action, string> = {
  assign: 'Assigned',
  remove: 'Removed',
  'remove-all': 'Removed all tags',
};

export function BulkTags({ tags, onDone }: { tags: readonly TagOption[]; onDone: () => void }) {
  const [filters, setFilters] = useState<ListQuery>({});
  const [page, setPage] = useState(1);
  const [instances, setInstances] = useState<ReadonlyMap<string, string>>(new Map());
  const [tagIds, setTagIds] = useState<ReadonlySet<string>>(new Set());
  const [receipt, setReceipt] = useState<{ action: Action; receipt: BulkReceipt } | undefined>();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);

  const list = useApi(
    () =>
      unwrapPage(
        client.GET('/instances', {
          params: {
            query: instanceListQuery(
              filters,
              filters.status === 'deleted' ? undefined : filters.status,
              page,
            ),
          },
        }),
      ),
    [page, filters.db_type, filters.tag, filters.search, filters.status, version],
  );
  const rows = list.data?.data ?? [];

  const toggleInstance = (id: string, name: string, on: boolean) =>
    setInstances((m) => {
      const next = new Map(m);
      if (on) next.set(id, name);
      else next.delete(id);
      return next;
    });
  const toggleTag = (id: string, on: boolean) =>
    setTagIds((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const allOnPage = rows.length > 0 && rows.every((r) => instances.has(r.id));

  const run = async (action: Action) => {
    setBusy(true);
    setError(undefined);
    try {
      const instance_ids = [...instances.keys()];
      const body = { instance_ids, tag_ids: [...tagIds] };
      const answer =
        action === 'assign'
          ? await unwrap(client.POST('/tags/bulk/actions/assign', { body }))
          : action === 'remove'
            ? await unwrap(client.POST('/tags/bulk/actions/remove', { body }))
            : await unwrap(client.POST('/tags/bulk/actions/remove-all', { body: { instance_ids } }));
      setReceipt({ action, receipt: answer });
      setVersion((v) => v + 1);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const noInstances = instances.size === 0;
  const noTags = tagIds.size === 0;

  return (
    <section aria-labelledby="bulk-title">
      <h2 id="bulk-title">Assign or remove tags in bulk</h2>
      <InstanceFilters
        value={filters}
        onChange={(q) => {
          setFilters(q);
          setPage(1);
        }}
      />
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && rows.length === 0 && (
        <Empty>
          No instance matches. <a href="/instances">Register instances</a> first, or change the filters.
        </Empty>
      )}
      {rows.length > 0 && (
        <table>
          <caption class="sr-only">Instances to tag</caption>
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select every instance on this page"
                  checked={allOnPage}
                  onChange={(e) => {
                    for (const r of rows) toggleInstance(r.id, r.name, e.currentTarget.checked);
                  }}
                />
              </th>
              <th>Instance</th>
              <th>Tags now</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${r.name}`}
                    checked={instances.has(r.id)}
                    onChange={(e) => toggleInstance(r.id, r.name, e.currentTarget.checked)}
                  />
                </td>
                <td>
                  <a href={`/instances/${r.id}`}>{r.name}</a>
                </td>
                <td>
                  <TagChips tags={r.tags} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={list.data?.meta} onPage={setPage} />
      <fieldset>
        <legend>Tags to assign or remove</legend>
        {tags.length === 0 && <p class="muted">No active tag yet — create one above.</p>}
        <div class="checks">
          {tags.map((t) => (
            <label key={t.id} class="inline">
              <input
                type="checkbox"
                checked={tagIds.has(t.id)}
                onChange={(e) => toggleTag(t.id, e.currentTarget.checked)}
              />{' '}
              {t.display_name || t.name}
            </label>
          ))}
        </div>
      </fieldset>
      <p class="muted">
        {instances.size} instances and {tagIds.size} tags selected.
      </p>
      <div class="actions">
        <button
          type="button"
          class="primary"
          disabled={busy || noInstances || noTags}
          onClick={() => run('assign')}
        >
          Assign selected tags
        </button>
        <button type="button" disabled={busy || noInstances || noTags} onClick={() => run('remove')}>
          Remove selected tags
        </button>
        {!noInstances && (
          <ConfirmButton
            label="Remove all tags"
            danger
            title={`Remove every tag of ${instances.size} instances?`}
            confirmLabel="Remove all tags"
            onConfirm={() => run('remove-all')}
          >
            <p>
              One tags session removes every tag the selected instances hold (an <code>InstanceUntagged</code>{' '}
              per instance and tag). The tags themselves are kept.
            </p>
          </ConfirmButton>
        )}
      </div>
      <ErrorBox error={error} />
      <div role="status" aria-live="polite">
        {receipt && <ReceiptSummary action={receipt.action} receipt={receipt.receipt} />}
      </div>
    </section>
  );
}

function ReceiptSummary({ action, receipt }: { action: Action; receipt: BulkReceipt }) {
  const { applied, unchanged, failed } = receipt.counts;
  return (
    <div class="receipt">
      <p>
        {done[action]}: {applied} applied, {unchanged} unchanged, {failed} failed.{' '}
        <a href={`/sessions/${receipt.session_id}`}>The tags session</a>
      </p>
      <ul>
        {receipt.items.map((i) => (
          <li key={i.instance_id}>
            {i.instance_name ?? i.instance_id}: <Badge value={i.status} />
            {i.added.length > 0 && ` added ${i.added.map((t) => t.name).join(', ')}`}
            {i.removed.length > 0 && ` removed ${i.removed.map((t) => t.name).join(', ')}`}
            {i.message_code && (
              <>
                {' '}
                <code>{i.message_code}</code> {i.message}
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
