import { AbortedError, ApiError, NetworkError, apiErrorFrom } from './errors';
import type {
  AnalyzeRequest,
  AnalyzeResponse,
  AsyncAnalyzeRequest,
  AsyncExecuteRequest,
  DeleteResult,
  ExecuteRequest,
  ExecutionResult,
  JobAccepted,
  JobStop,
  SearchResponse,
  SimilarResponse,
  Snippet,
  SnippetCreate,
  SnippetPage,
  SnippetUpdate,
} from './types';

export interface ApiClientOptions {
  baseUrl: string;
  /** Resolves to a valid ID token (refreshing it when needed). */
  getToken: () => Promise<string>;
  /** Called once per 401 answer, before the error is thrown. */
  onUnauthorized: (error: ApiError) => void;
  fetchImpl?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

/** The typed client of the Code Remote HTTP API. */
export class ApiClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  }

  /** Runs code now; aborting `signal` drops the request, and the server kills the run. */
  execute(request: ExecuteRequest, signal?: AbortSignal): Promise<ExecutionResult> {
    return this.request('POST', '/execute', { body: request, signal });
  }

  executeAsync(request: AsyncExecuteRequest): Promise<JobAccepted> {
    return this.request('POST', '/execute/async', { body: request });
  }

  /** The user's Stop for a queued or running job. */
  cancelExecution(jobId: string): Promise<JobStop> {
    return this.request('POST', `/execute/${encodeURIComponent(jobId)}/cancel`);
  }

  analyze(request: AnalyzeRequest): Promise<AnalyzeResponse> {
    return this.request('POST', '/analyze', { body: request });
  }

  analyzeAsync(request: AsyncAnalyzeRequest): Promise<JobAccepted> {
    return this.request('POST', '/analyze/async', { body: request });
  }

  listSnippets(limit: number, offset: number): Promise<SnippetPage> {
    return this.request('GET', '/snippets', { query: { limit, offset } });
  }

  getSnippet(id: string): Promise<Snippet> {
    return this.request('GET', `/snippets/${encodeURIComponent(id)}`);
  }

  createSnippet(snippet: SnippetCreate): Promise<Snippet> {
    return this.request('POST', '/snippets', { body: snippet });
  }

  updateSnippet(id: string, update: SnippetUpdate): Promise<Snippet> {
    return this.request('PUT', `/snippets/${encodeURIComponent(id)}`, { body: update });
  }

  deleteSnippet(id: string): Promise<DeleteResult> {
    return this.request('DELETE', `/snippets/${encodeURIComponent(id)}`);
  }

  toggleStar(id: string): Promise<Snippet> {
    return this.request('POST', `/snippets/${encodeURIComponent(id)}/star`);
  }

  search(q: string, limit = 10): Promise<SearchResponse> {
    return this.request('GET', '/search', { query: { q, limit } });
  }

  similar(id: string, limit = 5): Promise<SimilarResponse> {
    return this.request('GET', `/search/similar/${encodeURIComponent(id)}`, { query: { limit } });
  }

  private url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.options.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  private async request<T>(
    method: string,
    path: string,
    init: { body?: unknown; query?: Query; signal?: AbortSignal } = {},
  ): Promise<T> {
    const token = await this.options.getToken();
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${token}`,
    };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, init.query), {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch {
      if (init.signal?.aborted) throw new AbortedError();
      throw new NetworkError('Could not reach the server. Check your connection.');
    }
    const body: unknown = await response.json().catch(() => null);
    if (init.signal?.aborted) throw new AbortedError();
    if (response.ok && body === null) throw new ApiError(response.status, 'The server sent an answer that is not JSON.');
    if (!response.ok) {
      const error = apiErrorFrom(response.status, body);
      if (error.isUnauthorized) this.options.onUnauthorized(error);
      throw error;
    }
    return body as T;
  }
}
