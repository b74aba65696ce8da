// Reads of account_change_log for the API: an account's change history, newest first.
import type { Knex } from 'knex';
import type { FactsDiff } from '../../domain/accounts/events.js';
import type { Paging } from '../../domain/paging.js';
import { paged } from '../paging.js';
import type { ChangeType } from './projection.js';

interface ChangeDbRow {
  id: string;
  instance_id: string;
  instance_name: string | null;
  username: string;
  change_type: ChangeType;
  change_time: Date;
  session_id: string | null;
  privilege_diff: FactsDiff | null;
  other_diff: OtherDiff | null;
}

interface FromTo<T> {
  from: T;
  to: T;
}

/** What changed besides privileges, as the projection's otherDiff writes it. */
interface OtherDiff {
  is_locked?: FromTo<boolean>;
  is_system?: FromTo<boolean>;
  attributes?: Record<string, FromTo<unknown>>;
}

const changeToApi = (r: ChangeDbRow) => ({
  id: Number(r.id),
  instance_id: r.instance_id,
  instance_name: r.instance_name,
  username: r.username,
  change_type: r.change_type,
  change_time: r.change_time.toISOString(),
  session_id: r.session_id,
  privilege_diff: r.privilege_diff,
  other_diff: r.other_diff,
});

/** The change log of an account (by its instance and username), newest first; undefined if no such account. */
export async function accountChangeHistory(knex: Knex, accountId: string, paging: Paging) {
  const account = await knex('instance_accounts')
    .where({ id: accountId })
    .first<{ instance_id: string; username: string } | undefined>('instance_id', 'username');
  if (!account) return undefined;
  const q = knex({ c: 'account_change_log' }).where({
    'c.instance_id': account.instance_id,
    'c.username': account.username,
  });
  const { total, rows } = await paged<ChangeDbRow>(q, paging, {
    order: [
      { column: 'c.change_time', order: 'desc' },
      { column: 'c.id', order: 'desc' },
    ],
    columns: ['c.*', 'i.name as instance_name'],
    join: (page) => page.leftJoin({ i: 'instances' }, 'i.id', 'c.instance_id'),
  });
  return { total, items: rows.map(changeToApi) };
}
