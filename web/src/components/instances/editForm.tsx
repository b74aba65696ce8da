// Editing an instance (PUT /instances/{id}, only the fields that changed): name, host, port, database,
// credential (one of its engine), description, active. The engine is fixed once registered.
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { useApi } from '../../hooks';
import { ErrorBox, Field, Select } from '../common';
import type { Instance, SavedInstance } from './model';

export function EditForm({
  instance,
  onSaved,
  onCancel,
}: {
  instance: Instance;
  onSaved: (i: SavedInstance) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(instance.name);
  const [host, setHost] = useState(instance.host);
  const [port, setPort] = useState(String(instance.port));
  const [databaseName, setDatabaseName] = useState(instance.database_name ?? '');
  const [credentialId, setCredentialId] = useState(instance.credential_id ?? '');
  const [description, setDescription] = useState(instance.description);
  const [active, setActive] = useState(instance.is_active);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const credentials = useApi(
    () =>
      unwrap(client.GET('/credentials', { params: { query: { db_type: instance.db_type, limit: 100 } } })),
    [instance.db_type],
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      ...(name.trim() !== instance.name ? { name: name.trim() } : {}),
      ...(host.trim() !== instance.host ? { host: host.trim() } : {}),
      ...(Number(port) !== instance.port ? { port: Number(port) } : {}),
      ...((databaseName.trim() || null) !== instance.database_name
        ? { database_name: databaseName.trim() || null }
        : {}),
      ...((credentialId || null) !== instance.credential_id ? { credential_id: credentialId || null } : {}),
      ...(description !== instance.description ? { description } : {}),
      ...(active !== instance.is_active ? { is_active: active } : {}),
    };
    if (Object.keys(body).length === 0) return onCancel();
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await unwrap(client.PUT('/instances/{id}', { params: { path: { id: instance.id } }, body })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="edit-title">
      <h2 id="edit-title">Edit {instance.name}</h2>
      <div class="form-grid">
        <Field label="Name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <Field label="Host" required value={host} onInput={(e) => setHost(e.currentTarget.value)} />
        <Field
          label="Port"
          type="number"
          min={1}
          max={65535}
          required
          value={port}
          onInput={(e) => setPort(e.currentTarget.value)}
        />
        <Field
          label="Database (optional)"
          value={databaseName}
          onInput={(e) => setDatabaseName(e.currentTarget.value)}
        />
        <Select
          label="Credential"
          value={credentialId}
          onChange={(e) => setCredentialId(e.currentTarget.value)}
          options={[
            { value: '', label: 'none' },
            // The current one stays chosen even when the list does not have it (deleted, or beyond 100).
            ...(instance.credential_id && !credentials.data?.some((c) => c.id === instance.credential_id)
              ? [{ value: instance.credential_id, label: 'the current credential' }]
              : []),
            ...(credentials.data ?? []).map((c) => ({ value: c.id, label: `${c.name} — ${c.username}` })),
          ]}
        />
      </div>
      <label class="field">
        <span>Description</span>
        <textarea
          class="short"
          maxLength={1000}
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </label>
      <label class="inline">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} /> Active
        (scheduled syncs and collections include it)
      </label>
      <ErrorBox error={error ?? credentials.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
