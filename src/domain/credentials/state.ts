// A credential as its stream tells it (credential-{id}): who a connection logs in as and whether the
// credential still exists. The password is not in the stream (it lives sealed in credential_secrets).
import type { DbType } from '../engines/model.js';

export interface CredentialState {
  id: string;
  name: string;
  dbType: DbType;
  username: string;
  isActive: boolean;
  deleted: boolean;
}

type CredentialEvent = { type: string; data: unknown };
type CredentialFields = Pick<CredentialState, 'name' | 'dbType' | 'username'>;

/** Folds one event into the state; a credential is never restored, so deleted is final. */
export function evolveCredential(
  state: CredentialState | undefined,
  event: CredentialEvent,
): CredentialState | undefined {
  switch (event.type) {
    case 'CredentialCreated': {
      const { credentialId, name, dbType, username } = event.data as {
        credentialId: string;
      } & CredentialFields;
      return { id: credentialId, name, dbType, username, isActive: true, deleted: false };
    }
    case 'CredentialUpdated': {
      const { changes } = event.data as { changes: Partial<CredentialFields & { isActive: boolean }> };
      if (!state) return state;
      const { name, dbType, username, isActive } = changes;
      return {
        ...state,
        ...(name !== undefined ? { name } : {}),
        ...(dbType !== undefined ? { dbType } : {}),
        ...(username !== undefined ? { username } : {}),
        ...(isActive !== undefined ? { isActive } : {}),
      };
    }
    case 'CredentialDeleted':
      return state && { ...state, deleted: true };
    default:
      return state;
  }
}

/** The credential a credential-{id} stream ends at, or undefined when the stream does not exist. */
export const credentialState = (events: readonly CredentialEvent[]): CredentialState | undefined =>
  events.reduce(evolveCredential, undefined);
