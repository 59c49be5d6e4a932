import type { ValidationIssue } from './types';

/** An HTTP error from the API, with the `detail` of its body decoded. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    /** For 422: the validation issues, keyed by field name (the last part of `loc`). */
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super(message);
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

/** The caller gave up on the request (a user's Stop of a direct run). */
export class AbortedError extends Error {
  override name = 'AbortedError';
  constructor() {
    super('The request was stopped.');
  }
}

/** The request never got an answer (offline, DNS, CORS refused). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

function isValidationIssue(value: unknown): value is ValidationIssue {
  if (typeof value !== 'object' || value === null) return false;
  const issue = value as Record<string, unknown>;
  return Array.isArray(issue.loc) && typeof issue.msg === 'string';
}

/** Builds an ApiError from a status and a parsed body (`{"detail": string | ValidationIssue[]}`). */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const detail = typeof body === 'object' && body !== null ? (body as { detail?: unknown }).detail : undefined;
  if (typeof detail === 'string' && detail !== '') {
    return new ApiError(status, detail);
  }
  if (Array.isArray(detail)) {
    const fieldErrors: Record<string, string> = {};
    const messages: string[] = [];
    for (const issue of detail.filter(isValidationIssue)) {
      const field = String(issue.loc[issue.loc.length - 1] ?? 'request');
      fieldErrors[field] ??= issue.msg;
      messages.push(`${field}: ${issue.msg}`);
    }
    return new ApiError(status, messages.join('; ') || 'The request was not valid.', fieldErrors);
  }
  return new ApiError(status, defaultMessage(status));
}

function defaultMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Sign in again.';
  if (status === 404) return 'Not found.';
  if (status === 413) return 'The request is too large.';
  if (status === 429) return 'Too many requests; wait a moment.';
  if (status >= 500) return 'The server had a problem; try again.';
  return `Request failed (${status}).`;
}

/** A message to show a user for any error thrown by the API client. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof NetworkError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
