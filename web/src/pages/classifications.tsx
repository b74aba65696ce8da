// /classifications: the classifications (risk level, accounts holding each, active rules) with their
// figures as cards; create, edit and delete (behind a confirmation); the members of one (?id=) with links
// to the accounts. Write buttons show only to users who may write.
import { useState } from 'preact/hooks';
import { client, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { ClassificationForm, type Classification } from '../components/classifications/classificationForm';
import { ClassificationMembers } from '../components/classifications/classificationMembers';
import { Badge, Empty, ErrorBox, Loading, PageHeader } from '../components/common';
import { ConfirmButton } from '../components/confirm';
import { Check, Status, pageOf, useQuery, type GetData } from '../components/admin/shared';
import { useApi } from '../hooks';

function FigureCards({ figures }: { figures: GetData<'/accounts/statistics/classifications'> }) {
  if (figures.length === 0) return null;
  return (
    <div class="cards" aria-label="Classification figures" role="group">
      {figures.map((f) => (
        <section class="card" key={f.classification_id} aria-labelledby={`fig-${f.classification_id}`}>
          <h2 id={`fig-${f.classification_id}`}>
            <span class="swatch" style={{ background: f.color }} aria-hidden="true" /> {f.name}
          </h2>
          <p class="figure">
            {f.accounts} <span class="muted unit">accounts</span>
          </p>
          <dl>
            <dt>Risk</dt>
            <dd>{f.risk_level}</dd>
            <dt>Assignments (auto / by hand)</dt>
            <dd>
              {f.auto_assignments} / {f.manual_assignments}
            </dd>
            <dt>Active rules</dt>
            <dd>{f.rule_count}</dd>
          </dl>
        </section>
      ))}
    </div>
  );
}

export default function ClassificationsPage() {
  const { can } = useAuth();
  const [query, setQuery] = useQuery();
  const inactive = query.inactive === 'true';
  const [editing, setEditing] = useState<Classification | 'new' | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const list = useApi(
    () =>
      unwrap(
        client.GET('/accounts/classifications', {
          params: { query: inactive ? { include_inactive: 'true' } : {} },
        }),
      ),
    [inactive],
  );
  const figures = useApi(() => unwrap(client.GET('/accounts/statistics/classifications')), []);
  const reload = (message: string) => {
    setEditing(undefined);
    setStatus(message);
    list.reload();
    figures.reload();
  };
  const selected = list.data?.find((c) => c.id === query.id);

  return (
    <section>
      <PageHeader title="Classifications">
        <a class="button" href="/classifications/rules">
          Rules
        </a>
        {can('create') && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            New classification
          </button>
        )}
      </PageHeader>
      <ErrorBox error={figures.error} />
      {figures.data && <FigureCards figures={figures.data} />}
      {editing && (
        <ClassificationForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? undefined : editing}
          onSaved={reload}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <Status message={status} />
      <div class="filters">
        <Check
          label="Show inactive classifications"
          checked={inactive}
          onChange={(on) => setQuery({ inactive: on ? 'true' : undefined })}
        />
      </div>
      <ErrorBox error={list.error} />
      {!list.data && list.loading && <Loading />}
      {list.data && list.data.length === 0 && (
        <Empty>
          No classification yet.{' '}
          {can('create')
            ? 'Create one with "New classification", then write its rules.'
            : 'Ask an operator to create one.'}
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Risk level</th>
              <th scope="col" class="num">
                Accounts
              </th>
              <th scope="col" class="num">
                Active rules
              </th>
              <th scope="col">State</th>
              {(can('update') || can('delete')) && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <span class="swatch" style={{ background: c.color }} aria-hidden="true" />{' '}
                  <a
                    href={`/classifications?id=${c.id}`}
                    aria-current={c.id === query.id ? 'true' : undefined}
                  >
                    {c.name}
                  </a>
                  {c.is_system && <span class="muted"> (system)</span>}
                  {c.description && <div class="muted">{c.description}</div>}
                </td>
                <td>
                  <Badge value={c.risk_level} />
                </td>
                <td class="num">{c.account_count}</td>
                <td class="num">
                  <a href={`/classifications/rules?classification_id=${c.id}`}>{c.rule_count}</a>
                </td>
                <td>
                  <Badge value={c.is_active ? 'active' : 'inactive'} />
                </td>
                {(can('update') || can('delete')) && (
                  <td>
                    <div class="actions">
                      {can('update') && (
                        <button type="button" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                          Edit
                        </button>
                      )}
                      {can('delete') && !c.is_system && (
                        <ConfirmButton
                          label={`Delete ${c.name}`}
                          title={`Delete classification ${c.name}?`}
                          confirmLabel="Delete"
                          danger
                          onConfirm={() =>
                            unwrap(
                              client.DELETE('/accounts/classifications/{id}', {
                                params: { path: { id: c.id } },
                              }),
                            )
                          }
                          onDone={() => reload(`classification ${c.name} deleted`)}
                        >
                          <p>
                            This appends <code>ClassificationDeleted</code>: {c.name} disappears from the list
                            and from the accounts' classifications. Past assignments stay in the history.
                          </p>
                          <p>
                            It is refused with <code>CLASSIFICATION_IN_USE</code> while an active rule or an
                            assignment uses it ({c.rule_count} active rules, {c.account_count} accounts now).
                          </p>
                        </ConfirmButton>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {query.id && (
        <ClassificationMembers
          id={query.id}
          name={selected?.name ?? 'this classification'}
          page={pageOf(query.page)}
          onPage={(p) => setQuery({ page: String(p) })}
        />
      )}
    </section>
  );
}
