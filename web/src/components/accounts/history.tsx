// An account's change log, newest first: what each sync found different (privileges, capabilities and
// roles added or removed; lock, system flag or attributes changed), with the session that saw it.
import type { paths } from '../../api/client';
import { Time } from '../common';

export type AccountChange =
  paths['/accounts/ledgers/{id}/change-history']['get']['responses'][200]['content']['application/json']['data'][number];

const labels: Record<AccountChange['change_type'], string> = {
  add: 'found',
  modify_privilege: 'privileges changed',
  modify_other: 'changed',
  delete: 'removed',
};

/** One line per scope: "database:app +INSERT −DELETE". */
function diffLines(change: AccountChange): string[] {
  const lines: string[] = [];
  const both = (what: string, d: { added: string[]; removed: string[] }) => {
    const parts = [...d.added.map((a) => `+${a}`), ...d.removed.map((r) => `−${r}`)];
    if (parts.length) lines.push(`${what}: ${parts.join(' ')}`);
  };
  const p = change.privilege_diff;
  if (p) {
    both('capabilities', p.capabilities);
    both('roles', p.roles);
    for (const [scope, d] of Object.entries(p.privileges)) both(scope.replace(':', ' '), d);
  }
  const o = change.other_diff;
  if (o) {
    if (o.is_locked) lines.push(o.is_locked.to ? 'locked' : 'unlocked');
    if (o.is_system) lines.push(o.is_system.to ? 'now a system account' : 'no longer a system account');
    for (const [k, v] of Object.entries(o.attributes ?? {}))
      lines.push(`${k}: ${JSON.stringify(v.from)} → ${JSON.stringify(v.to)}`);
  }
  return lines;
}

export function ChangeHistory({ items }: { items: readonly AccountChange[] }) {
  if (items.length === 0) return <p class="muted">No change recorded yet.</p>;
  return (
    <table>
      <caption class="sr-only">Change history, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Change</th>
          <th scope="col">What changed</th>
          <th scope="col">Session</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => {
          const lines = diffLines(c);
          return (
            <tr key={c.id}>
              <td>
                <Time value={c.change_time} />
              </td>
              <td>{labels[c.change_type]}</td>
              <td>
                {lines.length === 0 ? (
                  <span class="muted">—</span>
                ) : (
                  <ul class="plain">
                    {lines.map((l) => (
                      <li key={l}>{l}</li>
                    ))}
                  </ul>
                )}
              </td>
              <td>
                {c.session_id ? <a href={`/sessions/${c.session_id}`}>{c.session_id.slice(0, 8)}</a> : '—'}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
