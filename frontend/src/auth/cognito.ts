/**
 * A minimal client for the Cognito Identity Provider JSON API: password sign-in and token refresh
 * through `InitiateAuth`, and `RevokeToken` at sign-out. Works against AWS and against moto's
 * Cognito on the local stack (moto 5.2 has no `RevokeToken`: there the revocation fails, and
 * sign-out goes on without it).
 */

export interface CognitoTokens {
  idToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the ID token expires. */
  expiresAt: number;
}

export class CognitoError extends Error {
  override name = 'CognitoError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface AuthenticationResult {
  IdToken?: string;
  RefreshToken?: string;
  ExpiresIn?: number;
}

interface InitiateAuthResponse {
  AuthenticationResult?: AuthenticationResult;
  ChallengeName?: string;
}

export interface CognitoClientOptions {
  endpoint: string;
  clientId: string;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

const FRIENDLY_MESSAGES: Record<string, string> = {
  NotAuthorizedException: 'Incorrect username or password.',
  UserNotFoundException: 'Incorrect username or password.',
  UserNotConfirmedException: 'This account is not confirmed yet.',
  PasswordResetRequiredException: 'A password reset is required for this account.',
  TooManyRequestsException: 'Too many attempts; wait a moment and try again.',
};

export class CognitoClient {
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: CognitoClientOptions) {
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
  }

  async signIn(username: string, password: string): Promise<CognitoTokens> {
    const result = await this.initiateAuth('USER_PASSWORD_AUTH', {
      USERNAME: username,
      PASSWORD: password,
    });
    if (!result.RefreshToken) {
      throw new CognitoError('MissingRefreshToken', 'Sign-in returned no refresh token.');
    }
    return this.tokensFrom(result, result.RefreshToken);
  }

  /**
   * Revokes a refresh token (`RevokeToken`; the app client has token revocation enabled), so a
   * copy of it left in this browser or taken from it can no longer mint tokens.
   */
  async revoke(refreshToken: string): Promise<void> {
    await this.call('RevokeToken', { ClientId: this.options.clientId, Token: refreshToken });
  }

  async refresh(refreshToken: string): Promise<CognitoTokens> {
    const result = await this.initiateAuth('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken });
    return this.tokensFrom(result, result.RefreshToken ?? refreshToken);
  }

  private tokensFrom(result: AuthenticationResult, refreshToken: string): CognitoTokens {
    if (!result.IdToken) {
      throw new CognitoError('MissingIdToken', 'Sign-in returned no ID token.');
    }
    const exp = decodeJwtPayload(result.IdToken).exp;
    const expiresAt =
      typeof exp === 'number' ? exp * 1000 : this.now() + (result.ExpiresIn ?? 3600) * 1000;
    return { idToken: result.IdToken, refreshToken, expiresAt };
  }

  private async initiateAuth(
    flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
    parameters: Record<string, string>,
  ): Promise<AuthenticationResult> {
    const body = (await this.call('InitiateAuth', {
      AuthFlow: flow,
      ClientId: this.options.clientId,
      AuthParameters: parameters,
    })) as InitiateAuthResponse;
    if (body.ChallengeName) {
      throw new CognitoError(
        body.ChallengeName,
        `This account needs the "${body.ChallengeName}" step, which this app does not support.`,
      );
    }
    if (!body.AuthenticationResult) {
      throw new CognitoError('MissingResult', 'Sign-in returned no tokens.');
    }
    return body.AuthenticationResult;
  }

  /** One call of the Cognito IdP JSON API; the parsed body, or a CognitoError. */
  private async call(action: 'InitiateAuth' | 'RevokeToken', request: Record<string, unknown>): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.options.endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}`,
        },
        body: JSON.stringify(request),
      });
    } catch {
      throw new CognitoError('NetworkError', 'Could not reach the sign-in service.');
    }
    const body = (await response.json().catch(() => ({}))) as { __type?: string; message?: string };
    if (!response.ok) {
      const code = (body.__type ?? 'UnknownError').split('#').pop() ?? 'UnknownError';
      throw new CognitoError(code, FRIENDLY_MESSAGES[code] ?? body.message ?? `Sign-in failed (${response.status}).`);
    }
    return body;
  }
}

/** Reads the payload of a JWT without verifying it (the API verifies); returns {} when malformed. */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const payload: unknown = JSON.parse(json);
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The name to show for a signed-in user: email, then Cognito username, then subject. */
export function displayNameOf(idToken: string): string {
  const payload = decodeJwtPayload(idToken);
  for (const key of ['email', 'cognito:username', 'username', 'sub']) {
    const value = payload[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return 'signed-in user';
}
