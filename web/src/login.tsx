// The login page: username and password, the server's error (with its message code) when refused. After
// logging in, the page the user asked for is shown (the URL is unchanged).
import { useState } from 'preact/hooks';
import { useAuth } from './auth';
import { ErrorBox, Field } from './components/common';

export function LoginPage() {
  const { login } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(username, password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to whalefall</h1>
        <Field
          label="Username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p class="muted">
          First start: the admin password is the one in <code>WHALEFALL_ADMIN_PASSWORD</code>, or the one
          <code> serve</code> printed once.
        </p>
      </form>
    </main>
  );
}
