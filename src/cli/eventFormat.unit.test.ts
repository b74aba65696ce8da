import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../domain/events/envelope.js';
import { formatEvent } from './eventFormat.js';

const event: RecordedEvent = {
  eventId: '6f1c2a70-0000-4000-8000-000000000001',
  type: 'PermissionsSynced',
  schemaVersion: 1,
  streamId: 'accounts-7b0f',
  revision: 3n,
  position: { commit: 812n, prepare: 40n },
  recordedAt: new Date('2026-11-22T07:31:55.967Z'),
  data: { instanceId: '7b0f', accounts: [] },
  metadata: {
    correlationId: 'cli-1',
    causationId: null,
    actor: { kind: 'user', id: 'cli' },
    occurredAt: '2026-11-22T07:31:55.900Z',
  },
};

describe('formatEvent', () => {
  it('prints the instance of a replayed event under its header', () => {
    expect(formatEvent(event, false, { instanceId: '7b0f', instanceName: 'maria-1' }).split('\n')).toEqual([
      '2026-11-22T07:31:55.967Z  accounts-7b0f@3  PermissionsSynced v1  (position 812/40, by user:cli)',
      '  instance maria-1 (7b0f)',
      '  data: {"instanceId":"7b0f","accounts":[]}',
      '  correlation cli-1',
    ]);
  });

  it('prints no instance line for an event of no instance, nor outside a replay', () => {
    const none = formatEvent(event, false, { instanceId: null, instanceName: null });
    expect(none).not.toContain('instance ');
    expect(formatEvent(event, false)).toBe(none);
  });

  it('adds instanceId and instanceName to the JSON line of a replay only', () => {
    const line = JSON.parse(
      formatEvent(event, true, { instanceId: '7b0f', instanceName: 'maria-1' }),
    ) as object;
    expect(line).toMatchObject({ streamId: 'accounts-7b0f', instanceId: '7b0f', instanceName: 'maria-1' });
    expect(JSON.parse(formatEvent(event, true)) as object).not.toHaveProperty('instanceName');
  });
});
