/**
 * The runtime configuration the app reads from `/config.json` at start. It is served by the API
 * process on the local stack and written to the frontend bucket by `deploy up` in AWS, so one build
 * runs against every stack.
 */
export interface RuntimeConfig {
  /** Base URL of the HTTP API, without a trailing slash, e.g. `https://api.example.com`. */
  apiUrl: string;
  /** WebSocket URL, e.g. `wss://ws.example.com/live`; the app appends `?token=<ID token>`. */
  websocketUrl: string;
  /** AWS region of the Cognito user pool, e.g. `eu-west-1`. */
  region: string;
  /** Cognito user pool id, e.g. `eu-west-1_AbCdEf123`. */
  userPoolId: string;
  /** Public app client id (no secret) with USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH allowed. */
  userPoolClientId: string;
  /** Cognito IdP endpoint override (moto on the local stack); defaults to the regional AWS endpoint. */
  cognitoEndpoint?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const REQUIRED_KEYS = ['apiUrl', 'websocketUrl', 'region', 'userPoolId', 'userPoolClientId'] as const;

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Validates an untrusted JSON value as a RuntimeConfig, naming every problem it finds. */
export function parseRuntimeConfig(value: unknown): RuntimeConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('config.json must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of REQUIRED_KEYS) {
    const field = record[key];
    if (typeof field !== 'string' || field.trim() === '') {
      problems.push(`${key} must be a non-empty string`);
    }
  }
  const endpoint = record.cognitoEndpoint;
  if (endpoint !== undefined && endpoint !== null && (typeof endpoint !== 'string' || endpoint === '')) {
    problems.push('cognitoEndpoint must be a non-empty string when present');
  }
  if (typeof record.websocketUrl === 'string' && !/^wss?:\/\//.test(record.websocketUrl)) {
    problems.push('websocketUrl must start with ws:// or wss://');
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid config.json: ${problems.join('; ')}`);
  }
  const config: RuntimeConfig = {
    apiUrl: trimSlash(record.apiUrl as string),
    websocketUrl: record.websocketUrl as string,
    region: record.region as string,
    userPoolId: record.userPoolId as string,
    userPoolClientId: record.userPoolClientId as string,
  };
  if (typeof endpoint === 'string') {
    config.cognitoEndpoint = endpoint;
  }
  return config;
}

/** The Cognito IdP JSON endpoint for a config: the override, or the region's AWS endpoint. */
export function cognitoEndpointOf(config: RuntimeConfig): string {
  return config.cognitoEndpoint ?? `https://cognito-idp.${config.region}.amazonaws.com/`;
}

export async function loadRuntimeConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetchImpl('/config.json', { cache: 'no-store' });
  } catch {
    throw new ConfigError('Could not reach /config.json');
  }
  if (!response.ok) {
    throw new ConfigError(`/config.json answered ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ConfigError('/config.json is not valid JSON');
  }
  return parseRuntimeConfig(body);
}
