// The "Register instance" form: name, engine, host, port, database, the credential (an existing one, or
// a new one created inline: POST /credentials, then POST /instances), the description. Before saving,
// "Validate connection params" checks the fields without connecting, and "Test connection" connects with
// them (ad hoc, nothing stored; only with a new credential: a stored password is never sent back).
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { useApi } from '../../hooks';
import { ErrorBox, Field, Select } from '../common';
import { ConnectionResult, type ProbeResult } from './connectionResult';
import { dbTypes, defaultPorts, engineNames, type DbType, type SavedInstance } from './model';

interface Draft {
  name: string;
  db_type: DbType;
  host: string;
  port: string;
  database_name: string;
  description: string;
  allow_duplicate: boolean;
  credentialMode: 'existing' | 'new';
  credential_id: string;
  username: string;
  password: string;
}

const initial: Draft = {
  name: '',
  db_type: 'mysql',
  host: '',
  port: String(defaultPorts.mysql),
  database_name: '',
  description: '',
  allow_duplicate: false,
  credentialMode: 'new',
  credential_id: '',
  username: '',
  password: '',
};

export function RegisterForm({
  onRegistered,
  onCancel,
}: {
  onRegistered: (instance: SavedInstance) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [probe, setProbe] = useState<ProbeResult | undefined>(undefined);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const credentials = useApi(
    () => unwrap(client.GET('/credentials', { params: { query: { db_type: draft.db_type, limit: 100 } } })),
    [draft.db_type],
  );

  const changeEngine = (db_type: DbType) =>
    setDraft((d) => ({
      ...d,
      db_type,
      // The port follows the engine until the user types another one.
      port:
        d.port === String(defaultPorts[d.db_type]) || d.port === '' ? String(defaultPorts[db_type]) : d.port,
      credential_id: '',
    }));

  const connection = () => ({
    db_type: draft.db_type,
    host: draft.host.trim(),
    port: Number(draft.port),
    ...(draft.database_name.trim() ? { database_name: draft.database_name.trim() } : {}),
  });
  /** Validation fills the engine's default port when none is given. */
  const { port: _port, ...withoutPort } = connection();
  const existing = credentials.data?.find((c) => c.id === draft.credential_id);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await what();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const validate = () =>
    run(async () => {
      const body: Record<string, unknown> = {
        ...(draft.port.trim() ? connection() : withoutPort),
        username: draft.credentialMode === 'new' ? draft.username : (existing?.username ?? ''),
        password: draft.credentialMode === 'new' ? draft.password : '',
      };
      const v = await unwrap(client.POST('/instances/actions/validate-connection-params', { body }));
      setProbe({ kind: 'validated', ...v });
      if (v.valid && v.normalized && !draft.port.trim()) set('port', String(v.normalized.port));
    });

  const test = () =>
    run(async () => {
      const outcome = await unwrap(
        client.POST('/instances/actions/test-connection', {
          body: { ...connection(), username: draft.username, password: draft.password },
        }),
      );
      setProbe({ kind: 'tested', ...outcome });
    });

  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      let credentialId = draft.credential_id || null;
      if (draft.credentialMode === 'new') {
        const created = await unwrap(
          client.POST('/credentials', {
            body: {
              name: `${draft.name.trim()} (${draft.username.trim()})`,
              db_type: draft.db_type,
              username: draft.username.trim(),
              password: draft.password,
            },
          }),
        );
        credentialId = created.id;
        // Created: a failure below keeps it chosen, so saving again does not create a second one.
        setDraft((d) => ({ ...d, credentialMode: 'existing', credential_id: created.id, password: '' }));
        credentials.reload();
      }
      const instance = await unwrap(
        client.POST('/instances', {
          body: {
            ...connection(),
            name: draft.name.trim(),
            database_name: draft.database_name.trim() || null,
            credential_id: credentialId,
            description: draft.description,
            allow_duplicate: draft.allow_duplicate,
          },
        }),
      );
      onRegistered(instance);
    });
  };

  return (
    <form class="panel register-form" onSubmit={submit} aria-labelledby="register-title">
      <h2 id="register-title">Register an instance</h2>
      <div class="form-grid">
        <Field
          label="Name"
          required
          maxLength={128}
          value={draft.name}
          onInput={(e) => set('name', e.currentTarget.value)}
        />
        <Select
          label="Engine"
          value={draft.db_type}
          options={dbTypes.map((t) => ({ value: t, label: engineNames[t] }))}
          onChange={(e) => changeEngine(e.currentTarget.value as DbType)}
        />
        <Field
          label="Host"
          required
          value={draft.host}
          onInput={(e) => set('host', e.currentTarget.value)}
          hint="a host name or IP address"
        />
        <Field
          label="Port"
          type="number"
          min={1}
          max={65535}
          required
          value={draft.port}
          onInput={(e) => set('port', e.currentTarget.value)}
        />
        <Field
          label="Database (optional)"
          value={draft.database_name}
          onInput={(e) => set('database_name', e.currentTarget.value)}
          hint="the database to connect to, where the engine needs one"
        />
      </div>
      <fieldset>
        <legend>Credential</legend>
        <label class="inline">
          <input
            type="radio"
            name="credential-mode"
            checked={draft.credentialMode === 'new'}
            onChange={() => set('credentialMode', 'new')}
          />{' '}
          Create a new credential
        </label>
        <label class="inline">
          <input
            type="radio"
            name="credential-mode"
            checked={draft.credentialMode === 'existing'}
            onChange={() => set('credentialMode', 'existing')}
          />{' '}
          Use an existing credential
        </label>
        {draft.credentialMode === 'new' ? (
          <div class="form-grid">
            <Field
              label="Username"
              required
              autoComplete="off"
              value={draft.username}
              onInput={(e) => set('username', e.currentTarget.value)}
            />
            <Field
              label="Password"
              type="password"
              required
              autoComplete="new-password"
              value={draft.password}
              onInput={(e) => set('password', e.currentTarget.value)}
              hint="stored encrypted, never shown again"
            />
          </div>
        ) : (
          <>
            <Select
              label="Existing credential"
              value={draft.credential_id}
              onChange={(e) => set('credential_id', e.currentTarget.value)}
              options={[
                { value: '', label: 'none (connections will fail until one is set)' },
                ...(credentials.data ?? []).map((c) => ({ value: c.id, label: `${c.name} — ${c.username}` })),
              ]}
            />
            <ErrorBox error={credentials.error} />
          </>
        )}
      </fieldset>
      <label class="field">
        <span>Description</span>
        <textarea
          class="short"
          maxLength={1000}
          value={draft.description}
          onInput={(e) => set('description', e.currentTarget.value)}
        />
      </label>
      <label class="inline">
        <input
          type="checkbox"
          checked={draft.allow_duplicate}
          onChange={(e) => set('allow_duplicate', e.currentTarget.checked)}
        />{' '}
        Another instance already monitors this server, and a second one is intended
      </label>
      {draft.credentialMode === 'existing' && (
        <p class="muted">
          A saved credential's password never comes back to the browser: test it from the instance's page once
          registered.
        </p>
      )}
      <ConnectionResult result={probe} />
      <ErrorBox error={error} />
      <div class="actions">
        <button type="button" onClick={validate} disabled={busy}>
          Validate connection params
        </button>
        <button type="button" onClick={test} disabled={busy || draft.credentialMode !== 'new'}>
          Test connection
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Working…' : 'Register'}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
