// /tags: the tags (search and category in the URL query, paged) with how many instances hold each,
// create / edit / delete (behind a confirmation that says what it removes), the categories, and bulk
// assignment to many instances (components/tags/bulkTags.tsx). Write buttons only for users who may.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client, unwrap, unwrapPage } from '../api/client';
import { useAuth } from '../auth';
import { ConfirmButton } from '../components/confirm';
import { Badge, Empty, ErrorBox, Field, Loading, PageHeader, Select } from '../components/common';
import { Pager } from '../components/pager';
import { safeColor } from '../components/instances/tagChips';
import type { Tag } from '../components/instances/model';
import { BulkTags } from '../components/tags/bulkTags';
import { TagForm } from '../components/tags/tagForm';
import { queryOf, useApi } from '../hooks';

export default function TagsPage() {
  const { query, route } = useLocation();
  const { can } = useAuth();
  const search = query.search ?? '';
  const category = query.category ?? '';
  const page = Math.max(1, Number(query.page) || 1);
  const go = (q: Record<string, string | undefined>) => route(`/tags${queryOf({ search, category, ...q })}`);
  const [typed, setTyped] = useState(search);
  const [editing, setEditing] = useState<Tag | 'new' | undefined>(undefined);
  const [notice, setNotice] = useState('');
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);

  const tags = useApi(
    () =>
      unwrapPage(
        client.GET('/tags', {
          params: {
            query: { page, limit: 20, ...(search ? { search } : {}), ...(category ? { category } : {}) },
          },
        }),
      ),
    [page, search, category, version],
  );
  const categories = useApi(() => unwrap(client.GET('/tags/categories')), [version]);
  const options = useApi(() => unwrap(client.GET('/tags/options')), [version]);
  const categoryNames = (categories.data ?? []).map((c) => c.category).filter(Boolean);
  const rows = tags.data?.data ?? [];
  const filtered = Boolean(search || category);

  const saved = (t: Tag, verb: string) => {
    setEditing(undefined);
    setNotice(`Tag ${t.name} ${verb}.`);
    bump();
  };

  return (
    <section>
      <PageHeader title="Tags">
        {can('create') && !editing && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            New tag
          </button>
        )}
      </PageHeader>
      {editing && (
        <TagForm
          tag={editing === 'new' ? undefined : editing}
          categories={categoryNames}
          onSaved={(t) => saved(t, editing === 'new' ? 'created' : 'saved')}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <p role="status" aria-live="polite" class="ok-text">
        {notice}
      </p>
      <form
        class="filters"
        role="search"
        aria-label="Filter tags"
        onSubmit={(e) => {
          e.preventDefault();
          go({ search: typed.trim() || undefined, page: undefined });
        }}
      >
        <Field
          label="Search tags"
          type="search"
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
        <Select
          label="Tag category"
          value={category}
          options={[{ value: '', label: 'any' }, ...categoryNames.map((c) => ({ value: c, label: c }))]}
          onChange={(e) => go({ category: e.currentTarget.value || undefined, page: undefined })}
        />
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={tags.error} />
      {tags.loading && !tags.data && <Loading />}
      {tags.data && rows.length === 0 && (
        <Empty>
          {filtered ? (
            <>
              No tag matches. <a href="/tags">Clear the filters</a>.
            </>
          ) : can('create') ? (
            'No tags yet — create one with "New tag", then assign it to instances below.'
          ) : (
            'No tags yet — a user or an administrator can create them.'
          )}
        </Empty>
      )}
      {rows.length > 0 && (
        <table>
          <caption class="sr-only">Tags</caption>
          <thead>
            <tr>
              <th>Name</th>
              <th>Display name</th>
              <th>Category</th>
              <th>State</th>
              <th class="num">Instances</th>
              {(can('update') || can('delete')) && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id}>
                <td>
                  <span class="swatch" aria-hidden="true" style={{ background: safeColor(t.color) }} />{' '}
                  <a href={`/instances?tag=${encodeURIComponent(t.name)}`}>{t.name}</a>
                </td>
                <td>{t.display_name}</td>
                <td>{t.category || <span class="muted">—</span>}</td>
                <td>
                  <Badge value={t.is_active ? 'active' : 'inactive'} />
                </td>
                <td class="num">{t.instance_count}</td>
                {(can('update') || can('delete')) && (
                  <td class="actions">
                    {can('update') && (
                      <button type="button" onClick={() => setEditing(t)}>
                        Edit <span class="sr-only">{t.name}</span>
                      </button>
                    )}
                    {can('delete') && (
                      <ConfirmButton
                        label={`Delete ${t.name}`}
                        danger
                        title={`Delete tag ${t.name}?`}
                        confirmLabel="Delete tag"
                        onConfirm={() =>
                          unwrap(
                            client.DELETE('/tags/{id}', {
                              params: {
                                path: { id: t.id },
                                query: {
                                  force: t.instance_count + t.deleted_instance_count > 0 ? 'true' : 'false',
                                },
                              },
                            }),
                          )
                        }
                        onDone={() => {
                          setNotice(`Tag ${t.name} deleted.`);
                          bump();
                        }}
                      >
                        <p>
                          Appends <code>TagDeleted</code>: the tag can no longer be assigned or filtered by.
                        </p>
                        {t.instance_count + t.deleted_instance_count > 0 && (
                          <p>
                            {t.instance_count + t.deleted_instance_count} instances hold it: it is removed
                            from each first (an <code>InstanceUntagged</code> per instance).
                          </p>
                        )}
                      </ConfirmButton>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={tags.data?.meta} onPage={(p) => go({ page: String(p) })} />

      <h2>Categories</h2>
      <ErrorBox error={categories.error} />
      {categories.data && categories.data.length === 0 && <p class="muted">No categories yet.</p>}
      {categories.data && categories.data.length > 0 && (
        <ul class="categories">
          {categories.data.map((c) => (
            <li key={c.category}>
              {c.category ? (
                <a href={`/tags${queryOf({ category: c.category })}`}>{c.category}</a>
              ) : (
                '(no category)'
              )}
              : {c.count} tags, {c.active_count} active
            </li>
          ))}
        </ul>
      )}
      {can('update') && <BulkTags tags={options.data ?? []} onDone={bump} />}
    </section>
  );
}
