import { describe, expect, it } from 'vitest';
import { fetchDouble } from '../test/fetchDouble';
import { cognitoEndpointOf, ConfigError, loadRuntimeConfig, parseRuntimeConfig } from './runtimeConfig';

const VALID = {
  apiUrl: 'https://api.test/',
  websocketUrl: 'wss://ws.test/live',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_abc',
  userPoolClientId: 'client',
};

describe('runtime config', () => {
  it('accepts a valid config and trims the API URL', () => {
    expect(parseRuntimeConfig(VALID)).toEqual({ ...VALID, apiUrl: 'https://api.test' });
  });

  it('names every missing or malformed field', () => {
    expect(() => parseRuntimeConfig({ ...VALID, region: '', userPoolId: 3, websocketUrl: 'https://ws.test' })).toThrow(
      /region must be a non-empty string; userPoolId must be a non-empty string; websocketUrl must start with ws/,
    );
    expect(() => parseRuntimeConfig([])).toThrow(ConfigError);
  });

  it('uses the regional AWS endpoint unless an override is configured', () => {
    expect(cognitoEndpointOf(parseRuntimeConfig(VALID))).toBe('https://cognito-idp.eu-west-1.amazonaws.com/');
    const local = parseRuntimeConfig({ ...VALID, cognitoEndpoint: 'http://127.0.0.1:5000/' });
    expect(cognitoEndpointOf(local)).toBe('http://127.0.0.1:5000/');
  });

  it('loads /config.json and reports a missing file', async () => {
    const http = fetchDouble();
    http.respond(200, VALID);
    http.respond(404, {});
    await expect(loadRuntimeConfig(http.fetch)).resolves.toMatchObject({ region: 'eu-west-1' });
    expect(http.requests[0]?.url).toBe('/config.json');
    await expect(loadRuntimeConfig(http.fetch)).rejects.toThrow('/config.json answered 404');
  });
});
