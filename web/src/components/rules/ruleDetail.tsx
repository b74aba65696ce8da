// One rule (?rule=): the editor on its current version (read-only without the update permission), its
// versions newest first with who wrote each, and its deletion behind a confirmation.
import { client, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { useApi } from '../../hooks';
import { ErrorBox, Loading, Time } from '../common';
import { ConfirmButton } from '../confirm';
import type { Item } from '../admin/shared';
import { RuleEditor } from './ruleEditor';

type Classification = Item<'/accounts/classifications'>;

export function RuleDetail({
  id,
  classifications,
  onSaved,
  onDeleted,
}: {
  id: string;
  classifications: readonly Classification[];
  onSaved: (message: string) => void;
  onDeleted: (message: string) => void;
}) {
  const { can } = useAuth();
  const rule = useApi(
    () => unwrap(client.GET('/accounts/classifications/rules/{id}', { params: { path: { id } } })),
    [id],
  );
  const versions = useApi(
    () => unwrap(client.GET('/accounts/classifications/rules/{id}/versions', { params: { path: { id } } })),
    [id],
  );
  const saved = (_id: string, message: string) => {
    rule.reload();
    versions.reload();
    onSaved(message);
  };
  const r = rule.data;

  return (
    <section aria-label="Rule detail">
      <ErrorBox error={rule.error} />
      {!r && rule.loading && <Loading />}
      {r && (
        <>
          <p>
            <strong>{r.rule_name}</strong>: {r.db_type} rule of{' '}
            <a href={`/classifications?id=${r.classification_id}`}>{r.classification_name}</a>, version{' '}
            {r.version}, changed <Time value={r.updated_at} />.
          </p>
          {can('delete') && (
            <div class="actions">
              <ConfirmButton
                label="Delete rule"
                title={`Delete rule ${r.rule_name}?`}
                confirmLabel="Delete"
                danger
                onConfirm={() =>
                  unwrap(client.DELETE('/accounts/classifications/rules/{id}', { params: { path: { id } } }))
                }
                onDone={() => onDeleted(`rule ${r.rule_name} deleted`)}
              >
                <p>
                  This appends <code>RuleDeleted</code>: the next classification run no longer assigns{' '}
                  {r.classification_name} by this rule (assignments it decided go at that run). Its{' '}
                  {r.version} version(s) stay readable.
                </p>
              </ConfirmButton>
            </div>
          )}
          <RuleEditor
            key={`${r.id}-${r.version}-${String(r.is_active)}`}
            rule={r}
            classifications={classifications}
            readOnly={!can('update')}
            onSaved={saved}
          />
        </>
      )}
      <h2>Versions</h2>
      <ErrorBox error={versions.error} />
      {versions.data && (
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">
                Version
              </th>
              <th scope="col">Written</th>
              <th scope="col">By</th>
              <th scope="col">Expression</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v) => (
              <tr key={v.version}>
                <td class="num">{v.version}</td>
                <td>
                  <Time value={v.created_at} />
                </td>
                <td>
                  <code>{v.created_by}</code>
                </td>
                <td>
                  <pre class="compact">{JSON.stringify(v.expression)}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
