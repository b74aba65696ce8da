import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../../commands/appendAudit.js';
import { auditLogProjection } from './projection.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { listAuditEvents } from './queries.js';

describe('audit_log projection', () => {
  const spec = projectionSpec(auditLogProjection);

  it('projects audit events into rows, filters and pages them, and equals a rebuild', async () => {
    const alice = randomUUID();
    const at = (iso: string) => ({
      actor: { kind: 'user' as const, id: alice },
      correlationId: 'c',
      now: new Date(iso),
    });
    await appendAudit(spec.store, at('2026-11-20T10:00:00Z'), 'UserCreated', {
      userId: alice,
      username: 'alice',
      role: 'viewer',
      isActive: true,
    });
    await appendAudit(spec.store, at('2026-11-21T10:00:00Z'), 'LoginFailed', {
      username: 'alice',
      userId: alice,
      reason: 'wrong_password',
      ip: '10.0.0.1',
    });
    await appendAudit(spec.store, at('2026-11-21T11:00:00Z'), 'LoginSucceeded', {
      userId: alice,
      username: 'Alice',
      ip: '10.0.0.1',
    });
    await appendAudit(spec.store, at('2026-11-22T09:00:00Z'), 'UserRoleChanged', {
      userId: alice,
      username: 'alice',
      from: 'viewer',
      to: 'user',
    });
    // Streams are per UTC day.
    expect(await spec.raw.streamRevision('audit-2026-11-21')).toBe(1n);

    await spec.catchUp(spec.runner());

    const all = await listAuditEvents(spec.db.knex, {}, { page: 1, limit: 10 });
    expect(all.total).toBe(4);
    expect(all.items.map((i) => i.type)).toEqual([
      'UserRoleChanged',
      'LoginSucceeded',
      'LoginFailed',
      'UserCreated',
    ]);
    expect(all.items[2]).toMatchObject({
      username: 'alice',
      ip: '10.0.0.1',
      details: { reason: 'wrong_password' },
    });

    expect((await listAuditEvents(spec.db.knex, { username: 'ALICE' }, { page: 1, limit: 10 })).total).toBe(
      4,
    );
    expect((await listAuditEvents(spec.db.knex, { type: 'LoginFailed' }, { page: 1, limit: 10 })).total).toBe(
      1,
    );
    const window = await listAuditEvents(
      spec.db.knex,
      { from: new Date('2026-11-21T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') },
      { page: 1, limit: 10 },
    );
    expect(window.items.map((i) => i.type)).toEqual(['LoginSucceeded', 'LoginFailed']);
    const page2 = await listAuditEvents(spec.db.knex, {}, { page: 2, limit: 3 });
    expect(page2.items.map((i) => i.type)).toEqual(['UserCreated']);

    await spec.expectRebuildMatchesLive();
  });

  it('refuses an audit event that carries a password field', async () => {
    const ctx = { actor: { kind: 'system' as const, id: 't' }, correlationId: 'c', now: new Date() };
    await expect(
      appendAudit(spec.store, ctx, 'UserCreated', {
        userId: randomUUID(),
        username: 'x',
        role: 'user',
        isActive: true,
        password: 'p',
      }),
    ).rejects.toThrow(/Unrecognized key/);
  });
});
