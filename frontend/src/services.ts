import { QueryClient } from '@tanstack/react-query';
import { ApiClient } from './api/client';
import { ApiError } from './api/errors';
import { CognitoClient, decodeJwtPayload } from './auth/cognito';
import { cognitoEndpointOf, type RuntimeConfig } from './config/runtimeConfig';
import { RealtimeSocket } from './realtime/socket';
import { createAuthStore, type AuthStore } from './store/authStore';
import { browserStorage } from './store/storage';
import { createWorkspaceStore, type WorkspaceStore } from './store/workspaceStore';

/** Everything the UI talks to, built once from the runtime config. */
export interface Services {
  config: RuntimeConfig;
  api: ApiClient;
  auth: AuthStore;
  workspace: WorkspaceStore;
  socket: RealtimeSocket;
  queryClient: QueryClient;
  /** The user's Sign out: forgets this browser's code and open snippet, ends and revokes the session. */
  signOut(): Promise<void>;
}

export const SESSION_ENDED = 'Your session has ended. Sign in again.';

export function websocketUrlWithToken(base: string, token: string): string {
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}token=${encodeURIComponent(token)}`;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) =>
          failureCount < 2 && !(error instanceof ApiError && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
}

export function createServices(config: RuntimeConfig): Services {
  const storage = browserStorage();
  const queryClient = createQueryClient();
  const auth = createAuthStore({
    cognito: new CognitoClient({ endpoint: cognitoEndpointOf(config), clientId: config.userPoolClientId }),
    storage,
  });
  const api = new ApiClient({
    baseUrl: config.apiUrl,
    getToken: () => auth.getState().getIdToken(),
    onUnauthorized: () => auth.getState().signOut(SESSION_ENDED),
  });
  const socket = new RealtimeSocket({
    url: async () => websocketUrlWithToken(config.websocketUrl, await auth.getState().getIdToken()),
    onStatus: (status) => workspace.getState().setSocketStatus(status),
  });
  const workspace = createWorkspaceStore({ api, connectionId: () => socket.connectionId, storage });
  socket.subscribe((message) => workspace.getState().receive(message));

  auth.subscribe((state, previous) => {
    if (state.status === previous.status) return;
    if (state.status === 'signedIn') {
      const sub = state.tokens ? decodeJwtPayload(state.tokens.idToken).sub : undefined;
      if (typeof sub === 'string') workspace.getState().claim(sub);
      socket.start();
    } else if (state.status === 'signedOut' && previous.status === 'signedIn') {
      socket.stop();
      workspace.getState().reset();
      queryClient.clear();
    }
  });

  async function signOut(): Promise<void> {
    workspace.getState().forget();
    await auth.getState().endSession();
  }

  return { config, api, auth, workspace, socket, queryClient, signOut };
}
