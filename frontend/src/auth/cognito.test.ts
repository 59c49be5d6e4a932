import { describe, expect, it } from 'vitest';
import { fetchDouble } from '../test/fetchDouble';
import { unsignedJwt } from '../test/jwt';
import { CognitoClient, CognitoError, decodeJwtPayload, displayNameOf } from './cognito';

const ENDPOINT = 'http://127.0.0.1:5000/';

describe('CognitoClient', () => {
  it('signs in with USER_PASSWORD_AUTH through the IdP JSON API', async () => {
    const http = fetchDouble();
    const idToken = unsignedJwt({ sub: 'u1', exp: 2_000_000_000 });
    http.respond(200, { AuthenticationResult: { IdToken: idToken, RefreshToken: 'r1', ExpiresIn: 3600 } });
    const cognito = new CognitoClient({ endpoint: ENDPOINT, clientId: 'client-1', fetchImpl: http.fetch });
    const tokens = await cognito.signIn('demo', 'secret');
    expect(tokens).toEqual({ idToken, refreshToken: 'r1', expiresAt: 2_000_000_000_000 });
    expect(http.requests[0]).toMatchObject({
      url: ENDPOINT,
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'client-1', AuthParameters: { USERNAME: 'demo', PASSWORD: 'secret' } },
    });
  });

  it('refreshes with REFRESH_TOKEN_AUTH and keeps the refresh token Cognito does not resend', async () => {
    const http = fetchDouble();
    http.respond(200, { AuthenticationResult: { IdToken: 'no.claims.', ExpiresIn: 60 } });
    const cognito = new CognitoClient({ endpoint: ENDPOINT, clientId: 'c', fetchImpl: http.fetch, now: () => 1000 });
    const tokens = await cognito.refresh('r1');
    expect(tokens).toEqual({ idToken: 'no.claims.', refreshToken: 'r1', expiresAt: 61_000 });
    expect(http.requests[0]?.body).toEqual({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'c', AuthParameters: { REFRESH_TOKEN: 'r1' } });
  });

  it('maps Cognito error types to messages', async () => {
    const http = fetchDouble();
    http.respond(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    http.respond(400, { __type: 'com.amazonaws#InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
    const cognito = new CognitoClient({ endpoint: ENDPOINT, clientId: 'c', fetchImpl: http.fetch });
    await expect(cognito.signIn('demo', 'wrong')).rejects.toMatchObject({
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    await expect(cognito.signIn('demo', 'x')).rejects.toMatchObject({
      code: 'InvalidParameterException',
      message: 'USER_PASSWORD_AUTH flow not enabled for this client',
    });
  });

  it('revokes a refresh token with RevokeToken', async () => {
    const http = fetchDouble();
    http.respond(200, {});
    http.respond(400, { __type: 'UnsupportedTokenTypeException', message: 'not a refresh token' });
    const cognito = new CognitoClient({ endpoint: ENDPOINT, clientId: 'c', fetchImpl: http.fetch });
    await cognito.revoke('r1');
    expect(http.requests[0]).toMatchObject({
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.RevokeToken' },
      body: { ClientId: 'c', Token: 'r1' },
    });
    await expect(cognito.revoke('r1')).rejects.toMatchObject({ code: 'UnsupportedTokenTypeException' });
  });

  it('refuses challenges it cannot answer', async () => {
    const http = fetchDouble();
    http.respond(200, { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's' });
    const cognito = new CognitoClient({ endpoint: ENDPOINT, clientId: 'c', fetchImpl: http.fetch });
    const error = await cognito.signIn('demo', 'x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CognitoError);
    expect((error as CognitoError).code).toBe('NEW_PASSWORD_REQUIRED');
  });
});

describe('JWT claims', () => {
  it('reads the payload and prefers email for display', () => {
    const token = unsignedJwt({ sub: 'u1', 'cognito:username': 'demo', email: 'demo@example.com' });
    expect(decodeJwtPayload(token).sub).toBe('u1');
    expect(displayNameOf(token)).toBe('demo@example.com');
    expect(displayNameOf(unsignedJwt({ sub: 'u1', 'cognito:username': 'demo' }))).toBe('demo');
  });

  it('treats malformed tokens as having no claims', () => {
    expect(decodeJwtPayload('garbage')).toEqual({});
    expect(decodeJwtPayload('a.%%%.c')).toEqual({});
  });
});
