// What the rule editor shows after "Validate" (valid, or the code a write would be refused with and every
// problem with its code and position) and after "Preview against live accounts" (which accounts of the
// engine match by their latest synced facts, with links, and the accounts it could not decide).
import { client, unwrap, unwrapPage } from '../../api/client';
import type { paths } from '../../api/schema';
import { Empty } from '../common';
import type { Item } from '../admin/shared';

type PostData<P extends keyof paths> = paths[P] extends {
  post: { responses: { 200: { content: { 'application/json': { data: infer D } } } } };
}
  ? D
  : never;
export type Validation = PostData<'/accounts/classifications/rules/actions/validate-expression'>;
export type Evaluation = PostData<'/accounts/classifications/rules/actions/evaluate'>;
type Account = Item<'/accounts/ledgers'>;
export type DbType = Account['db_type'];

/** The most accounts one preview evaluates (the API's limit per call). */
const MAX_PREVIEW = 1000;

export interface Preview {
  db_type: DbType;
  accounts: Map<string, Account>;
  /** More accounts of the engine exist than were evaluated. */
  truncated: boolean;
  result: Evaluation | undefined;
}

/** Evaluates the expression on the latest facts of the engine's accounts (the first 1000). Stores nothing. */
export async function previewOnAccounts(expression: unknown, dbType: DbType): Promise<Preview> {
  const accounts = new Map<string, Account>();
  let total = 0;
  for (let page = 1; accounts.size < MAX_PREVIEW; page++) {
    const { data, meta } = await unwrapPage(
      client.GET('/accounts/ledgers', { params: { query: { db_type: dbType, page, limit: 100 } } }),
    );
    for (const a of data) accounts.set(a.id, a);
    total = meta?.total ?? accounts.size;
    if (!meta || page >= meta.pages) break;
  }
  const truncated = total > accounts.size;
  if (accounts.size === 0) return { db_type: dbType, accounts, truncated, result: undefined };
  const result = await unwrap(
    client.POST('/accounts/classifications/rules/actions/evaluate', {
      body: { expression, account_ids: [...accounts.keys()] },
    }),
  );
  return { db_type: dbType, accounts, truncated, result };
}

function Problems({ validation }: { validation: Pick<Validation, 'code' | 'problems'> }) {
  return (
    <div class="error" role="alert">
      <code class="code">{validation.code}</code> a save would be refused:
      <ul>
        {validation.problems.map((p, i) => (
          <li key={i}>
            <code>{p.code}</code> at <code>{p.path || '(the rule)'}</code>: {p.problem}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ValidationResult({ validation }: { validation: Validation }) {
  if (!validation.valid) return <Problems validation={validation} />;
  return (
    <div class="ok-box" role="status">
      <strong>Valid.</strong> Canonical form (two rules are the same when these are equal):
      <pre>{JSON.stringify(validation.canonical, null, 2)}</pre>
    </div>
  );
}

export function PreviewResult({ preview }: { preview: Preview }) {
  const { result, accounts } = preview;
  if (!result)
    return (
      <Empty>
        No {preview.db_type} account is in the inventory yet. <a href="/instances">Register an instance</a>{' '}
        and sync its accounts, then preview again.
      </Empty>
    );
  if (!result.valid) return <Problems validation={result} />;
  const matched = result.items.filter((i) => i.matched);
  const failed = result.items.filter((i) => i.errors.length > 0);
  const row = (id: string | undefined) => (id ? accounts.get(id) : undefined);
  return (
    <section aria-labelledby="preview-title" class="preview">
      <h3 id="preview-title">
        {result.summary.matched} of {result.summary.total} {preview.db_type} accounts would match
        {result.summary.with_errors > 0 && ` (${result.summary.with_errors} could not be decided)`}
      </h3>
      {preview.truncated && <p class="muted">Only the first {MAX_PREVIEW} accounts were evaluated.</p>}
      {matched.length === 0 && <p>No account matches this expression now.</p>}
      {matched.length > 0 && (
        <table>
          <caption class="sr-only">Accounts that would match</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Instance</th>
            </tr>
          </thead>
          <tbody>
            {matched.map((i) => {
              const a = row(i.account_id);
              return (
                <tr key={i.index}>
                  <td>
                    <a href={`/accounts/${i.account_id}`}>{i.username}</a>
                  </td>
                  <td>
                    <a href={`/instances/${i.instance_id}`}>{a?.instance_name ?? i.instance_id}</a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {failed.length > 0 && (
        <ul aria-label="Accounts not decided">
          {failed.slice(0, 20).map((i) => (
            <li key={i.index}>
              <a href={`/accounts/${i.account_id}`}>{i.username ?? i.account_id}</a>:{' '}
              {i.errors.map((e) => (
                <span key={e.path}>
                  <code>{e.code}</code> {e.message}{' '}
                </span>
              ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
