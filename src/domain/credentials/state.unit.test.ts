import { describe, expect, it } from 'vitest';
import { credentialState } from './state.js';

const id = '00000000-0000-4000-8000-000000000002';
const created = {
  type: 'CredentialCreated',
  data: { credentialId: id, name: 'collector', dbType: 'mysql', username: 'whale', description: '' },
};
const updated = (changes: Record<string, unknown>) => ({
  type: 'CredentialUpdated',
  data: { credentialId: id, changes, passwordChanged: false },
});

describe('credentialState', () => {
  it('is undefined for a stream that does not exist', () => {
    expect(credentialState([])).toBeUndefined();
  });

  it('is the created credential, active and not deleted', () => {
    expect(credentialState([created])).toEqual({
      id,
      name: 'collector',
      dbType: 'mysql',
      username: 'whale',
      isActive: true,
      deleted: false,
    });
  });

  it('takes the username and state of an update, keeping what it leaves out', () => {
    expect(credentialState([created, updated({ username: 'orca', isActive: false })])).toMatchObject({
      name: 'collector',
      username: 'orca',
      isActive: false,
    });
  });

  it('is deleted after CredentialDeleted', () => {
    const deleted = { type: 'CredentialDeleted', data: { credentialId: id } };
    expect(credentialState([created, deleted])?.deleted).toBe(true);
  });
});
