// An account's permission facts (capabilities with their reasons, roles, privileges by scope, what could
// not be read) and its classifications, as the API gives them for now or for an as-of moment.
import type { paths } from '../../api/client';
import { Empty, Time } from '../common';

export type PermissionsAsOf =
  paths['/accounts/ledgers/{id}/permissions']['get']['responses'][200]['content']['application/json']['data'];
export type ClassificationsAsOf =
  paths['/accounts/ledgers/{id}/classifications']['get']['responses'][200]['content']['application/json']['data'];
type Facts = NonNullable<PermissionsAsOf['facts']>;

/** Every privilege scope with what it grants, in a stable order (global first). */
function scopes(facts: Facts): { scope: string; privileges: string[] }[] {
  const p = facts.privileges;
  const named = (kind: string, m: Record<string, string[]>) =>
    Object.keys(m)
      .sort()
      .map((name) => ({ scope: `${kind} ${name}`, privileges: m[name] ?? [] }));
  return [
    { scope: 'global', privileges: p.global },
    { scope: 'server', privileges: p.server },
    { scope: 'system', privileges: p.system },
    ...named('database', p.database),
    ...named('tablespace', p.tablespace),
  ].filter((s) => s.privileges.length > 0);
}

export function FactsView({ permissions }: { permissions: PermissionsAsOf }) {
  const { facts } = permissions;
  if (!permissions.existed)
    return (
      <Empty>
        The account did not exist at this moment: no sync had found it yet, or it had been removed.
      </Empty>
    );
  if (!facts)
    return (
      <Empty>
        No permission facts yet: sync the instance's accounts (its page has the action) and they appear here.
      </Empty>
    );
  const rows = scopes(facts);
  return (
    <div class="facts">
      <p class="muted">
        Observed <Time value={permissions.observed_at} />
        {permissions.observed_by_session && (
          <>
            {' '}
            by <a href={`/sessions/${permissions.observed_by_session}`}>the sync session</a>
          </>
        )}
        .
      </p>
      <h3>Capabilities</h3>
      {facts.capabilities.length === 0 ? (
        <p class="muted">None (no SUPERUSER, GRANT_ADMIN or LOCKED).</p>
      ) : (
        <ul>
          {facts.capabilities.map((c) => (
            <li key={c}>
              <strong>{c}</strong>
              {(facts.capability_reasons[c] ?? []).length > 0 &&
                `: ${(facts.capability_reasons[c] ?? []).join('; ')}`}
            </li>
          ))}
        </ul>
      )}
      {facts.roles.length > 0 && (
        <>
          <h3>Roles</h3>
          <p>{facts.roles.join(', ')}</p>
        </>
      )}
      <h3>Privileges</h3>
      {rows.length === 0 ? (
        <p class="muted">No privileges.</p>
      ) : (
        <table>
          <caption class="sr-only">Privileges by scope</caption>
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Privileges</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.scope}>
                <th scope="row">{r.scope}</th>
                <td>{r.privileges.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {facts.errors.length > 0 && (
        <>
          <h3>Could not be read</h3>
          <ul>
            {facts.errors.map((e) => (
              <li key={e.item}>
                <code class="code">{e.code}</code> {e.item}: {e.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function ClassificationsView({ held }: { held: ClassificationsAsOf }) {
  if (held.items.length === 0)
    return (
      <p class="muted">
        None held. <a href="/classifications">Classifications</a> are assigned by hand or by the rules' runs.
      </p>
    );
  return (
    <table>
      <caption class="sr-only">Classifications held</caption>
      <thead>
        <tr>
          <th scope="col">Classification</th>
          <th scope="col">Risk</th>
          <th scope="col">Assigned</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {held.items.map((c) => (
          <tr key={c.assignment_id}>
            <td>
              {c.name ?? c.classification_id}
              {c.deleted && <span class="muted"> (deleted since)</span>}
            </td>
            <td>{c.risk_level ?? '—'}</td>
            <td>
              <Time value={c.assigned_at} />
            </td>
            <td>
              {c.assignment_type === 'manual'
                ? 'by hand'
                : `rule ${c.rule_name ?? c.rule_id ?? ''}${c.rule_version ? ` v${c.rule_version}` : ''}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
