// credentials: one row per credential (metadata; never the password).
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { eachEvent, type Projection } from '../projection.js';

const columns: Record<string, string> = {
  name: 'name',
  dbType: 'db_type',
  username: 'username',
  description: 'description',
  isActive: 'is_active',
};

export const credentialsProjection: Projection = {
  name: 'credentials',
  tables: ['credentials'],
  eventTypes: ['CredentialCreated', 'CredentialUpdated', 'CredentialDeleted'],
  apply: eachEvent(async ({ trx, table }, e: RecordedEvent) => {
    const at = e.metadata.occurredAt;
    const t = table('credentials');
    const d = e.data as { credentialId: string } & Record<string, unknown>;
    switch (e.type) {
      case 'CredentialCreated':
        await trx(t)
          .insert({
            id: d.credentialId,
            name: d.name,
            db_type: d.dbType,
            username: d.username,
            description: d.description,
            password_updated_at: at,
            created_at: at,
            updated_at: at,
          })
          .onConflict('id')
          .ignore();
        return;
      case 'CredentialUpdated': {
        const changes = d.changes as Record<string, unknown>;
        const row: Record<string, unknown> = { updated_at: at };
        for (const [k, v] of Object.entries(changes)) if (columns[k]) row[columns[k]] = v;
        if (d.passwordChanged) row.password_updated_at = at;
        await trx(t).where({ id: d.credentialId }).update(row);
        return;
      }
      case 'CredentialDeleted':
        await trx(t).where({ id: d.credentialId }).update({ deleted_at: at, updated_at: at });
        return;
    }
  }),
};
