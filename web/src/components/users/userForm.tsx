// Create a user (username, password, role, active) or change one (role, active, and optionally a new
// password, which ends their sessions). Usernames and roles are recorded in the audit log; passwords never.
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { Field, Select, FormFooter } from '../common';
import { Check, useAction, type Item } from '../admin/shared';

export type User = Item<'/users'>;
export const roles = ['admin', 'user', 'viewer'] as const;
type Role = (typeof roles)[number];

export function UserForm({
  user,
  onSaved,
  onCancel,
}: {
  user?: User;
  onSaved: (message: string) => void;
  onCancel: () => void;
}) {
  const [username, setUsername] = useState(user?.username ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(user?.role ?? 'viewer');
  const [active, setActive] = useState(user?.is_active ?? true);
  const { busy, error, run } = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await run(async () => {
      if (!user) {
        await unwrap(client.POST('/users', { body: { username, password, role, is_active: active } }));
        return;
      }
      const body = {
        ...(role !== user.role ? { role } : {}),
        ...(active !== user.is_active ? { is_active: active } : {}),
        ...(password ? { password } : {}),
      };
      if (Object.keys(body).length > 0)
        await unwrap(client.PUT('/users/{id}', { params: { path: { id: user.id } }, body }));
    });
    if (ok) onSaved(user ? `user ${user.username} saved` : `user ${username} created`);
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="user-form-title">
      <h2 id="user-form-title">{user ? `Edit ${user.username}` : 'New user'}</h2>
      <div class="form-grid">
        {!user && (
          <Field
            label="Username"
            required
            minLength={3}
            maxLength={64}
            hint="letters, digits and . _ @ -"
            autoComplete="off"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        )}
        <Field
          label={user ? 'New password (optional)' : 'Password'}
          type="password"
          required={!user}
          autoComplete="new-password"
          hint={user ? 'setting one ends their sessions' : undefined}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <Select
          label="Role"
          value={role}
          options={roles}
          onChange={(e) => setRole(e.currentTarget.value as Role)}
        />
      </div>
      <Check label="Active (may log in)" checked={active} onChange={setActive} />
      <FormFooter
        error={error}
        busy={busy}
        submitLabel={user ? 'Save user' : 'Create user'}
        onCancel={onCancel}
      />
    </form>
  );
}
