import { useState, type FormEvent } from 'react';
import { useAuth } from '../ServicesContext';
import { ErrorMessage } from './Status';

export function SignInScreen() {
  const status = useAuth((state) => state.status);
  const error = useAuth((state) => state.error);
  const notice = useAuth((state) => state.notice);
  const signIn = useAuth((state) => state.signIn);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const busy = status === 'signingIn';

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!busy) void signIn(username.trim(), password);
  }

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-busy={busy} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Code Remote</h1>
        <p className="sign-in-lead">Write Python, run it in a sandbox, and get its complexity explained.</p>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <label htmlFor="sign-in-username">Email or username</label>
        <input
          id="sign-in-username"
          name="username"
          autoComplete="username"
          required
          autoFocus
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {error ? <ErrorMessage>{error}</ErrorMessage> : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
