// The accounts holding one classification now, each with the assignments that gave it (auto by a rule
// version in a classification run, or manual), paged; links to the account and its instance.
import { client, unwrapPage } from '../../api/client';
import { useApi } from '../../hooks';
import { Empty, ErrorBox, Loading, Time } from '../common';
import { Pager } from '../pager';

export function ClassificationMembers({
  id,
  name,
  page,
  onPage,
}: {
  id: string;
  name: string;
  page: number;
  onPage: (page: number) => void;
}) {
  const members = useApi(
    () =>
      unwrapPage(
        client.GET('/accounts/classifications/{id}/members', {
          params: { path: { id }, query: { page, limit: 20 } },
        }),
      ),
    [id, page],
  );
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members of {name}</h2>
      <ErrorBox error={members.error} />
      {!members.data && members.loading && <Loading />}
      {members.data && members.data.data.length === 0 && (
        <Empty>
          No account holds {name} now. Add a rule on the <a href="/classifications/rules">rules page</a>, then
          run the <a href="/scheduler?job=classify_accounts">classify_accounts job</a>.
        </Empty>
      )}
      {members.data && members.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Instance</th>
              <th scope="col">Given by</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {members.data.data.map((m) => (
              <tr key={m.account_id}>
                <td>
                  <a href={`/accounts/${m.account_id}`}>{m.username}</a>
                </td>
                <td>
                  <a href={`/instances/${m.instance_id}`}>{m.instance_name}</a>
                </td>
                <td>
                  {m.assignments.map((a, i) => (
                    <span key={a.assignment_id}>
                      {i > 0 && ', '}
                      {a.assignment_type === 'auto' && a.rule_id ? (
                        <a href={`/classifications/rules?rule=${a.rule_id}`}>rule version {a.rule_version}</a>
                      ) : (
                        'assigned by hand'
                      )}
                    </span>
                  ))}
                </td>
                <td>
                  <Time value={m.assignments[0]?.assigned_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={members.data?.meta} onPage={onPage} />
    </section>
  );
}
