import { describe, expect, it, vi } from 'vitest';
import { CognitoError, type CognitoTokens } from '../auth/cognito';
import { unsignedJwt } from '../test/jwt';
import { createAuthStore, REFRESH_MARGIN_MS, SESSION_KEY, type TokenProvider } from './authStore';
import { memoryStorage } from './storage';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

function tokens(name: string, expiresAt = NOW + HOUR): CognitoTokens {
  return { idToken: unsignedJwt({ email: `${name}@example.com` }), refreshToken: `refresh-${name}`, expiresAt };
}

function setup(cognito: Partial<TokenProvider> = {}) {
  const storage = memoryStorage();
  const timers: { callback: () => void; ms: number }[] = [];
  let now = NOW;
  const provider: TokenProvider = {
    signIn: vi.fn(() => Promise.resolve(tokens('demo'))),
    refresh: vi.fn(() => Promise.resolve(tokens('fresh', now + HOUR))),
    revoke: vi.fn(() => Promise.resolve()),
    ...cognito,
  };
  const store = createAuthStore({
    cognito: provider,
    storage,
    now: () => now,
    setTimer: (callback, ms) => {
      timers.push({ callback, ms });
      return timers.length;
    },
    clearTimer: () => undefined,
  });
  return { store, storage, timers, provider, advance: (ms: number) => (now += ms) };
}

describe('auth store', () => {
  it('signs in, persists the session and schedules a refresh before expiry', async () => {
    const { store, storage, timers } = setup();
    await store.getState().signIn('demo', 'pw');
    expect(store.getState().status).toBe('signedIn');
    expect(store.getState().userName).toBe('demo@example.com');
    expect(JSON.parse(storage.getItem(SESSION_KEY) ?? '{}')).toEqual(tokens('demo'));
    expect(timers.at(-1)?.ms).toBe(HOUR - REFRESH_MARGIN_MS);
  });

  it('shows the Cognito message when sign-in fails and stays signed out', async () => {
    const { store, storage } = setup({
      signIn: () => Promise.reject(new CognitoError('NotAuthorizedException', 'Incorrect username or password.')),
    });
    await store.getState().signIn('demo', 'bad');
    expect(store.getState()).toMatchObject({ status: 'signedOut', error: 'Incorrect username or password.' });
    expect(storage.getItem(SESSION_KEY)).toBeNull();
  });

  it('refreshes when the scheduled timer fires', async () => {
    const { store, timers, provider, advance } = setup();
    await store.getState().signIn('demo', 'pw');
    advance(HOUR - REFRESH_MARGIN_MS);
    timers.at(-1)?.callback();
    await vi.waitFor(() => expect(store.getState().userName).toBe('fresh@example.com'));
    expect(provider.refresh).toHaveBeenCalledWith('refresh-demo');
  });

  it('restores a stored session that is still valid without calling Cognito', async () => {
    const { store, storage, provider } = setup();
    storage.setItem(SESSION_KEY, JSON.stringify(tokens('saved')));
    await store.getState().restore();
    expect(store.getState().status).toBe('signedIn');
    expect(store.getState().userName).toBe('saved@example.com');
    expect(provider.refresh).not.toHaveBeenCalled();
  });

  it('refreshes an expired stored session on restore', async () => {
    const { store, storage, provider } = setup();
    storage.setItem(SESSION_KEY, JSON.stringify(tokens('old', NOW - 1)));
    await store.getState().restore();
    expect(provider.refresh).toHaveBeenCalledWith('refresh-old');
    expect(store.getState().userName).toBe('fresh@example.com');
  });

  it('signs out with a notice when the refresh is refused', async () => {
    const { store, storage } = setup({ refresh: () => Promise.reject(new CognitoError('NotAuthorizedException', 'revoked')) });
    storage.setItem(SESSION_KEY, JSON.stringify(tokens('old', NOW - 1)));
    await store.getState().restore();
    expect(store.getState().status).toBe('signedOut');
    expect(store.getState().notice).toMatch(/sign in again/i);
    expect(storage.getItem(SESSION_KEY)).toBeNull();
  });

  it('drops a corrupt stored session', async () => {
    const { store, storage } = setup();
    storage.setItem(SESSION_KEY, '{"idToken": 1');
    await store.getState().restore();
    expect(store.getState().status).toBe('signedOut');
    expect(storage.getItem(SESSION_KEY)).toBeNull();
  });

  it('hands out the current token, and refreshes once for concurrent callers near expiry', async () => {
    const { store, provider, advance } = setup();
    await store.getState().signIn('demo', 'pw');
    await expect(store.getState().getIdToken()).resolves.toBe(tokens('demo').idToken);
    advance(HOUR - REFRESH_MARGIN_MS / 4);
    const [first, second] = await Promise.all([store.getState().getIdToken(), store.getState().getIdToken()]);
    expect(first).toBe(second);
    expect(provider.refresh).toHaveBeenCalledTimes(1);
  });

  it('rejects token requests and clears everything after sign-out', async () => {
    const { store, storage } = setup();
    await store.getState().signIn('demo', 'pw');
    store.getState().signOut('bye');
    expect(store.getState()).toMatchObject({ status: 'signedOut', tokens: null, userName: null, notice: 'bye' });
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    await expect(store.getState().getIdToken()).rejects.toThrow('Not signed in');
  });

  it("the user's sign-out revokes the refresh token, and signs out even when that fails", async () => {
    const { store, storage, provider } = setup({ revoke: vi.fn(() => Promise.reject(new CognitoError('Unknown', 'no'))) });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await store.getState().signIn('demo', 'pw');
    await store.getState().endSession();
    expect(provider.revoke).toHaveBeenCalledWith('refresh-demo');
    expect(store.getState()).toMatchObject({ status: 'signedOut', tokens: null });
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});
