import { describe, expect, it } from 'vitest';
import { instanceState } from './state.js';

const id = '00000000-0000-4000-8000-000000000001';
const registered = {
  type: 'InstanceRegistered',
  data: {
    instanceId: id,
    name: 'orders',
    dbType: 'postgresql',
    host: 'db1',
    port: 5432,
    databaseName: null,
    credentialId: null,
    description: '',
  },
};
const event = (type: string, data: Record<string, unknown> = {}) => ({
  type,
  data: { instanceId: id, ...data },
});

describe('instanceState', () => {
  it('is undefined for a stream that does not exist', () => {
    expect(instanceState([])).toBeUndefined();
  });

  it('is the registered instance, active and not deleted', () => {
    const { instanceId, ...fields } = registered.data;
    expect(instanceState([registered])).toEqual({
      id: instanceId,
      ...fields,
      isActive: true,
      deleted: false,
    });
  });

  it('applies the changes of an update, keeping the fields it leaves out', () => {
    const state = instanceState([
      registered,
      event('InstanceUpdated', { changes: { host: 'db2', credentialId: id, isActive: false } }),
    ]);
    expect(state).toMatchObject({
      name: 'orders',
      host: 'db2',
      port: 5432,
      credentialId: id,
      isActive: false,
    });
  });

  it('is deleted after InstanceDeleted and back after InstanceRestored', () => {
    expect(instanceState([registered, event('InstanceDeleted')])?.deleted).toBe(true);
    expect(instanceState([registered, event('InstanceDeleted'), event('InstanceRestored')])?.deleted).toBe(
      false,
    );
  });

  it('is not changed by a connection check', () => {
    const checked = event('InstanceConnectionTested', { ok: false, errorCode: 'DATABASE_CONNECTION_ERROR' });
    expect(instanceState([registered, checked])).toEqual(instanceState([registered]));
  });
});
