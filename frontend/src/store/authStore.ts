import { createStore, type StoreApi } from 'zustand/vanilla';
import { CognitoError, displayNameOf, type CognitoTokens } from '../auth/cognito';
import type { KeyValueStorage } from './storage';

export const SESSION_KEY = 'code-remote.session';
/** Refresh this long before the ID token expires. */
export const REFRESH_MARGIN_MS = 2 * 60 * 1000;

export type AuthStatus = 'restoring' | 'signedOut' | 'signingIn' | 'signedIn';

export interface AuthState {
  status: AuthStatus;
  tokens: CognitoTokens | null;
  userName: string | null;
  error: string | null;
  /** Why the user was signed out, shown on the sign-in screen (e.g. an expired session). */
  notice: string | null;
  restore(): Promise<void>;
  signIn(username: string, password: string): Promise<void>;
  signOut(notice?: string): void;
  /**
   * The user's own sign-out: signs out at once, then revokes the refresh token with Cognito
   * (best effort: a failed revocation is logged, the local session is gone either way).
   */
  endSession(): Promise<void>;
  /** A valid ID token, refreshed first when it is close to expiry; rejects when signed out. */
  getIdToken(): Promise<string>;
}

export interface TokenProvider {
  signIn(username: string, password: string): Promise<CognitoTokens>;
  refresh(refreshToken: string): Promise<CognitoTokens>;
  revoke(refreshToken: string): Promise<void>;
}

export interface AuthStoreDeps {
  cognito: TokenProvider;
  storage: KeyValueStorage;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class SignedOutError extends Error {
  override name = 'SignedOutError';
  constructor() {
    super('Not signed in');
  }
}

function readSession(storage: KeyValueStorage): CognitoTokens | null {
  const raw = storage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<CognitoTokens>;
    if (
      typeof value.idToken === 'string' &&
      typeof value.refreshToken === 'string' &&
      typeof value.expiresAt === 'number'
    ) {
      return { idToken: value.idToken, refreshToken: value.refreshToken, expiresAt: value.expiresAt };
    }
  } catch {
    // A corrupt entry is treated as no session.
  }
  storage.removeItem(SESSION_KEY);
  return null;
}

export type AuthStore = StoreApi<AuthState>;

export function createAuthStore(deps: AuthStoreDeps): AuthStore {
  const now = deps.now ?? Date.now;
  const setTimer = deps.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer = deps.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  let timer: unknown = null;
  let refreshing: Promise<string> | null = null;

  return createStore<AuthState>()((set, get) => {
    function cancelTimer(): void {
      if (timer !== null) clearTimer(timer);
      timer = null;
    }

    function accept(tokens: CognitoTokens): void {
      deps.storage.setItem(SESSION_KEY, JSON.stringify(tokens));
      set({ status: 'signedIn', tokens, userName: displayNameOf(tokens.idToken), error: null, notice: null });
      cancelTimer();
      const delay = Math.max(0, tokens.expiresAt - REFRESH_MARGIN_MS - now());
      timer = setTimer(() => {
        timer = null;
        void refreshNow().catch(() => undefined);
      }, delay);
    }

    function refreshNow(): Promise<string> {
      const tokens = get().tokens;
      if (!tokens) return Promise.reject(new SignedOutError());
      refreshing ??= deps.cognito
        .refresh(tokens.refreshToken)
        .then((fresh) => {
          accept(fresh);
          return fresh.idToken;
        })
        .catch((error: unknown) => {
          get().signOut('Your session has ended. Sign in again.');
          throw error instanceof Error ? error : new SignedOutError();
        })
        .finally(() => {
          refreshing = null;
        });
      return refreshing;
    }

    return {
      status: 'restoring',
      tokens: null,
      userName: null,
      error: null,
      notice: null,

      async restore() {
        const saved = readSession(deps.storage);
        if (!saved) {
          set({ status: 'signedOut' });
          return;
        }
        set({ tokens: saved });
        if (saved.expiresAt - REFRESH_MARGIN_MS > now()) {
          accept(saved);
          return;
        }
        await refreshNow().catch(() => undefined);
      },

      async signIn(username, password) {
        set({ status: 'signingIn', error: null, notice: null });
        try {
          accept(await deps.cognito.signIn(username, password));
        } catch (error) {
          const message =
            error instanceof CognitoError ? error.message : 'Sign-in failed; try again in a moment.';
          set({ status: 'signedOut', error: message });
        }
      },

      signOut(notice) {
        cancelTimer();
        deps.storage.removeItem(SESSION_KEY);
        set({ status: 'signedOut', tokens: null, userName: null, error: null, notice: notice ?? null });
      },

      async endSession() {
        const refreshToken = get().tokens?.refreshToken;
        get().signOut();
        if (!refreshToken) return;
        try {
          await deps.cognito.revoke(refreshToken);
        } catch (error) {
          console.warn('The refresh token could not be revoked:', error instanceof Error ? error.message : error);
        }
      },

      getIdToken() {
        const tokens = get().tokens;
        if (!tokens) return Promise.reject(new SignedOutError());
        if (tokens.expiresAt - REFRESH_MARGIN_MS / 2 > now()) return Promise.resolve(tokens.idToken);
        return refreshNow();
      },
    };
  });
}
