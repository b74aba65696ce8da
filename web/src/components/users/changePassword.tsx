// Change one's own password: the old one, the new one twice. The server ends every session of the user
// and sets a new one for this browser, so the CSRF token (bound to the session) is fetched again.
import { useState } from 'preact/hooks';
import { client, resetCsrf, unwrap } from '../../api/client';
import { ErrorBox, Field } from '../common';
import { Status, useAction } from '../admin/shared';

export function ChangePassword() {
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [done, setDone] = useState<string | undefined>(undefined);
  const { busy, error, run } = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(undefined);
    const ok = await run(() =>
      unwrap(
        client.POST('/auth/change-password', {
          body: { old_password: old, new_password: next, confirm_password: again },
        }),
      ),
    );
    if (ok) {
      resetCsrf();
      setOld('');
      setNext('');
      setAgain('');
      setDone('Password changed: your other sessions have ended.');
    }
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">Change your password</h2>
      <div class="form-grid">
        <Field
          label="Current password"
          type="password"
          required
          autoComplete="current-password"
          value={old}
          onInput={(e) => setOld(e.currentTarget.value)}
        />
        <Field
          label="New password"
          type="password"
          required
          autoComplete="new-password"
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
        />
        <Field
          label="New password again"
          type="password"
          required
          autoComplete="new-password"
          value={again}
          onInput={(e) => setAgain(e.currentTarget.value)}
        />
      </div>
      <ErrorBox error={error} />
      <Status message={done} />
      <button type="submit" disabled={busy}>
        {busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}
