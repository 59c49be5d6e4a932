import { describe, expect, it, vi } from 'vitest';
import { fetchDouble } from '../test/fetchDouble';
import { ApiClient } from './client';
import { AbortedError, ApiError, NetworkError } from './errors';

function client() {
  const http = fetchDouble();
  const onUnauthorized = vi.fn();
  const api = new ApiClient({
    baseUrl: 'https://api.test',
    getToken: () => Promise.resolve('id-token-1'),
    onUnauthorized,
    fetchImpl: http.fetch,
  });
  return { api, http, onUnauthorized };
}

describe('ApiClient', () => {
  it('sends the ID token as a Bearer token and JSON bodies to the contract routes', async () => {
    const { api, http } = client();
    http.respond(200, { job_id: 'j1', status: 'queued' });
    await api.executeAsync({ code: 'print(1)', connection_id: 'c1', timeout_seconds: 30 });
    expect(http.requests[0]).toEqual({
      url: 'https://api.test/execute/async',
      method: 'POST',
      headers: { accept: 'application/json', authorization: 'Bearer id-token-1', 'content-type': 'application/json' },
      body: { code: 'print(1)', connection_id: 'c1', timeout_seconds: 30 },
    });
  });

  it("stops a job through its cancel route and reports an aborted direct run as the user's stop", async () => {
    const { api, http } = client();
    http.respond(200, { job_id: 'j/1', status: 'stopping' });
    await expect(api.cancelExecution('j/1')).resolves.toEqual({ job_id: 'j/1', status: 'stopping' });
    expect(http.requests[0]).toMatchObject({ url: 'https://api.test/execute/j%2F1/cancel', method: 'POST', body: undefined });
    const controller = new AbortController();
    controller.abort();
    http.fail();
    await expect(api.execute({ code: 'while True: pass' }, controller.signal)).rejects.toBeInstanceOf(AbortedError);
  });

  it('encodes query parameters and path ids', async () => {
    const { api, http } = client();
    http.respond(200, { query: 'a b&c', results: [], method: 'semantic', total: 0 });
    http.respond(200, { items: [], total: 0, limit: 10, offset: 20 });
    http.respond(200, { source_snippet_id: 'x/y', similar: [], total: 0 });
    await api.search('a b&c');
    await api.listSnippets(10, 20);
    await api.similar('x/y');
    expect(http.requests.map((request) => request.url)).toEqual([
      'https://api.test/search?q=a+b%26c&limit=10',
      'https://api.test/snippets?limit=10&offset=20',
      'https://api.test/search/similar/x%2Fy?limit=5',
    ]);
    expect(http.requests[0]?.headers['content-type']).toBeUndefined();
  });

  it('uses the right method for each snippet write', async () => {
    const { api, http } = client();
    for (let i = 0; i < 4; i += 1) http.respond(200, {});
    await api.createSnippet({ code: 'x = 1', title: 't' });
    await api.updateSnippet('s1', { title: 'renamed' });
    await api.toggleStar('s1');
    await api.deleteSnippet('s1');
    expect(http.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST https://api.test/snippets',
      'PUT https://api.test/snippets/s1',
      'POST https://api.test/snippets/s1/star',
      'DELETE https://api.test/snippets/s1',
    ]);
    expect(http.requests[1]?.body).toEqual({ title: 'renamed' });
  });

  it('reports a 401 to onUnauthorized and throws its detail', async () => {
    const { api, http, onUnauthorized } = client();
    http.respond(401, { detail: 'Token has expired' });
    const error = await api.getSnippet('s1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toBe('Token has expired');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('turns a 422 into messages keyed by field', async () => {
    const { api, http, onUnauthorized } = client();
    http.respond(422, {
      detail: [
        { loc: ['body', 'title'], msg: 'String should have at most 255 characters', type: 'string_too_long' },
        { loc: ['body', 'code'], msg: 'Field required', type: 'missing' },
      ],
    });
    const error = (await api.createSnippet({ code: '' }).catch((caught: unknown) => caught)) as ApiError;
    expect(error.status).toBe(422);
    expect(error.fieldErrors).toEqual({
      title: 'String should have at most 255 characters',
      code: 'Field required',
    });
    expect(error.message).toContain('title: String should have at most 255 characters');
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('keeps the status of a 503 so search can say it is unavailable', async () => {
    const { api, http } = client();
    http.respond(503, { detail: 'Search service unavailable' });
    const error = (await api.search('fibonacci').catch((caught: unknown) => caught)) as ApiError;
    expect(error.status).toBe(503);
    expect(error.message).toBe('Search service unavailable');
  });

  it('gives a generic message when an error has no detail', async () => {
    const { api, http } = client();
    http.respond(500, 'oops');
    const error = (await api.execute({ code: 'x' }).catch((caught: unknown) => caught)) as ApiError;
    expect(error.message).toBe('The server had a problem; try again.');
  });

  it('throws NetworkError when the request never gets an answer', async () => {
    const { api, http } = client();
    http.fail();
    await expect(api.analyze({ code: 'x' })).rejects.toBeInstanceOf(NetworkError);
  });

  it('does not send a request when no token can be had', async () => {
    const http = fetchDouble();
    const api = new ApiClient({
      baseUrl: 'https://api.test',
      getToken: () => Promise.reject(new Error('Not signed in')),
      onUnauthorized: vi.fn(),
      fetchImpl: http.fetch,
    });
    await expect(api.listSnippets(10, 0)).rejects.toThrow('Not signed in');
    expect(http.requests).toHaveLength(0);
  });
});
