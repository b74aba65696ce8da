// /classifications/rules: the classification rules, filtered by classification and db type (in the URL),
// paged; ?new=1 opens the editor on a new rule, ?rule= a rule with its versions (the editor validates an
// expression and previews it against the live accounts before anything is saved).
import { useState } from 'preact/hooks';
import { client, unwrap, unwrapPage } from '../api/client';
import { useAuth } from '../auth';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Select } from '../components/common';
import { Pager } from '../components/pager';
import { Status, pageOf, useQuery } from '../components/admin/shared';
import { RuleDetail } from '../components/rules/ruleDetail';
import { RuleEditor } from '../components/rules/ruleEditor';
import { useApi } from '../hooks';

const dbTypes = ['', 'mysql', 'postgresql', 'sqlserver', 'oracle'] as const;
type DbFilter = Exclude<(typeof dbTypes)[number], ''>;

export default function RulesPage() {
  const { can } = useAuth();
  const [query, setQuery] = useQuery();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const page = pageOf(query.page);
  const classifications = useApi(
    () =>
      unwrap(client.GET('/accounts/classifications', { params: { query: { include_inactive: 'true' } } })),
    [],
  );
  const filter = {
    classification_id: query.classification_id || undefined,
    db_type: (query.db_type || undefined) as DbFilter | undefined,
  };
  const rules = useApi(
    () =>
      unwrapPage(
        client.GET('/accounts/classifications/rules', { params: { query: { ...filter, page, limit: 20 } } }),
      ),
    [filter.classification_id, filter.db_type, page],
  );
  const done = (message: string, patch: Record<string, string | undefined>) => {
    setStatus(message);
    rules.reload();
    setQuery(patch);
  };
  const list = classifications.data ?? [];

  return (
    <section>
      <PageHeader title={query.rule ? 'Rule' : query.new ? 'New rule' : 'Classification rules'}>
        {(query.rule || query.new) && (
          <a class="button" href={`/classifications/rules`}>
            All rules
          </a>
        )}
        {!query.rule && !query.new && can('create') && (
          <button type="button" class="primary" onClick={() => setQuery({ new: '1', rule: undefined })}>
            New rule
          </button>
        )}
      </PageHeader>
      <Status message={status} />
      <ErrorBox error={classifications.error} />
      {query.new && can('create') && classifications.data && list.length === 0 && (
        <Empty>
          A rule belongs to a classification: <a href="/classifications">create a classification</a> first.
        </Empty>
      )}
      {query.new && can('create') && list.length > 0 && (
        <RuleEditor
          classifications={list}
          initialClassification={filter.classification_id}
          readOnly={false}
          onSaved={(id, message) => done(message, { new: undefined, rule: id })}
          onCancel={() => setQuery({ new: undefined })}
        />
      )}
      {query.rule && classifications.data && (
        <RuleDetail
          key={query.rule}
          id={query.rule}
          classifications={list}
          onSaved={(message) => done(message, {})}
          onDeleted={(message) => done(message, { rule: undefined })}
        />
      )}
      {!query.rule && !query.new && (
        <>
          <div class="filters" role="search" aria-label="Filter rules">
            <Select
              label="Classification"
              value={query.classification_id ?? ''}
              options={[{ value: '', label: 'any' }, ...list.map((c) => ({ value: c.id, label: c.name }))]}
              onChange={(e) => setQuery({ classification_id: e.currentTarget.value, page: undefined })}
            />
            <Select
              label="DB type"
              value={query.db_type ?? ''}
              options={dbTypes}
              onChange={(e) => setQuery({ db_type: e.currentTarget.value, page: undefined })}
            />
          </div>
          <ErrorBox error={rules.error} />
          {!rules.data && rules.loading && <Loading />}
          {rules.data && rules.data.data.length === 0 && (
            <Empty>
              No rule {filter.classification_id || filter.db_type ? 'matches these filters' : 'yet'}.{' '}
              {can('create') ? 'Write one with "New rule": validate it and preview it before saving.' : ''}
            </Empty>
          )}
          {rules.data && rules.data.data.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Classification</th>
                  <th scope="col">DB type</th>
                  <th scope="col" class="num">
                    Version
                  </th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {rules.data.data.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <a href={`/classifications/rules?rule=${r.id}`}>{r.rule_name}</a>
                    </td>
                    <td>
                      <a href={`/classifications?id=${r.classification_id}`}>{r.classification_name}</a>
                    </td>
                    <td>{r.db_type}</td>
                    <td class="num">{r.version}</td>
                    <td>
                      <Badge value={r.is_active ? 'active' : 'inactive'} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager meta={rules.data?.meta} onPage={(p) => setQuery({ page: String(p) })} />
        </>
      )}
    </section>
  );
}
