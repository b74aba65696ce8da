// The pure part of the assignments projection: the rows an AssignmentsChanged writes, and where in a batch
// the daily statistics are computed (the last event of the batch touching each day and key).
import { describe, expect, it } from 'vitest';
import type { AssignmentsChangedData } from '../../domain/classification/assignments.js';
import { recorded } from '../../../test/support/eventFactory.js';
import { assignmentWrites, statPoints, touchedBy } from './assignmentsFold.js';

const I = '00000000-0000-4000-8000-000000000001';
const entry = (
  id: string,
  classificationId: string,
  ruleId: string | null,
  ruleVersion: number | null = 1,
) => ({
  assignmentId: id,
  accountId: `acc-${id}`,
  username: `user-${id}`,
  classificationId,
  assignmentType: ruleId ? ('auto' as const) : ('manual' as const),
  ruleId,
  ruleVersion: ruleId ? ruleVersion : null,
});
const changed = (n: number, d: Partial<AssignmentsChangedData>) =>
  recorded(
    n,
    'AssignmentsChanged',
    { instanceId: I, statDate: '2026-03-01', added: [], removed: [], ...d },
    `2026-03-01T10:0${n}:00.000001Z`,
  );

describe('assignmentWrites', () => {
  it('deletes the removed ids and upserts the added rows with the run, the time and the actor', () => {
    const e = changed(0, {
      sessionId: 's-1',
      added: [entry('a1', 'c1', 'r1', 2)],
      removed: [
        { ...entry('a1', 'c1', 'r1', 1), reason: 'rule_versioned' },
        { ...entry('a2', 'c2', null), reason: 'manual_removal' },
      ],
    });
    expect(assignmentWrites(e)).toEqual({
      deleteIds: ['a1', 'a2'],
      rows: [
        {
          id: 'a1',
          account_id: 'acc-a1',
          instance_id: I,
          username: 'user-a1',
          classification_id: 'c1',
          assignment_type: 'auto',
          rule_id: 'r1',
          rule_version: 2,
          session_id: 's-1',
          assigned_at: '2026-03-01T10:00:00.000001Z',
          assigned_by: 'user:u-1',
        },
      ],
    });
  });

  it('a manual change has no session', () => {
    expect(assignmentWrites(changed(0, { added: [entry('m', 'c1', null)] })).rows[0]).toMatchObject({
      session_id: null,
      assignment_type: 'manual',
      rule_id: null,
      rule_version: null,
    });
  });
});

describe('touchedBy and statPoints', () => {
  it('touchedBy names the classifications of every entry and the rules of auto ones', () => {
    const t = touchedBy({
      instanceId: I,
      statDate: '2026-03-01',
      added: [entry('a', 'c1', 'r1'), entry('m', 'c3', null)],
      removed: [{ ...entry('b', 'c2', 'r2'), reason: 'no_longer_matches' }],
    });
    expect([...t.classifications].sort()).toEqual(['c1', 'c2', 'c3']);
    expect([...t.rules]).toEqual([
      ['r2', 'c2'],
      ['r1', 'c1'],
    ]);
  });

  it('computes each (day, key) only at the last event of the batch touching it', () => {
    const events = [
      changed(0, { added: [entry('a', 'c1', 'r1')] }),
      changed(1, { added: [entry('b', 'c1', 'r1'), entry('c', 'c2', 'r2')] }),
      changed(2, { statDate: '2026-03-02', added: [entry('d', 'c1', 'r1')] }),
      changed(3, { added: [entry('e', 'c2', null)] }),
    ];
    const points = statPoints(events).map((p) => ({
      day: p.statDate,
      classifications: [...p.touched.classifications].sort(),
      rules: [...p.touched.rules.keys()].sort(),
    }));
    expect(points).toEqual([
      { day: '2026-03-01', classifications: [], rules: [] },
      { day: '2026-03-01', classifications: ['c1'], rules: ['r1', 'r2'] },
      { day: '2026-03-02', classifications: ['c1'], rules: ['r1'] },
      { day: '2026-03-01', classifications: ['c2'], rules: [] },
    ]);
  });
});
