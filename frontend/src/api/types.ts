/** Shapes of the HTTP and WebSocket contract (docs/api.md). */

export interface SecurityViolation {
  line: number;
  column: number;
  message: string;
}

/** How much a stream held as the program wrote it, counted past the cut. */
export interface StreamSize {
  bytes: number;
  lines: number;
}

export interface ExecutionResult {
  success: boolean;
  stdout: string;
  stderr: string;
  error: string | null;
  error_type: string | null;
  execution_time_ms: number;
  timed_out: boolean;
  truncated: boolean;
  security_violations: SecurityViolation[];
  /** Stopped by `POST /execute/{job_id}/cancel`; absent from servers older than the Stop. */
  cancelled?: boolean;
  /** Present whenever `truncated` is: the output's size before the cut. */
  output_size?: { stdout: StreamSize; stderr: StreamSize };
}

export interface ExecuteRequest {
  code: string;
  timeout_seconds?: number;
}

export interface AsyncExecuteRequest extends ExecuteRequest {
  connection_id: string;
}

export interface JobAccepted {
  job_id: string;
  status: string;
}

/** The answer to a Stop: `cancelled` (it was queued and never runs), `stopping` (the result
 * follows on the WebSocket), or `ended` (it had already ended; its result was pushed). */
export interface JobStop {
  job_id: string;
  status: 'cancelled' | 'stopping' | 'ended';
}

export interface AnalyzeRequest {
  code: string;
  snippet_id?: string;
}

export interface AsyncAnalyzeRequest extends AnalyzeRequest {
  connection_id: string;
}

export interface AnalyzeResponse {
  success: boolean;
  time_complexity: string | null;
  space_complexity: string | null;
  narrative: string | null;
  error: string | null;
  available: boolean;
  model: string | null;
  /** Patterns found in the code; not in the contract yet, shown when the API sends them. */
  patterns?: string[];
}

export interface SnippetSummary {
  id: string;
  title: string | null;
  language: string;
  description: string | null;
  execution_count: number;
  is_starred: boolean;
  time_complexity: string | null;
  space_complexity: string | null;
  last_execution_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Snippet extends SnippetSummary {
  code: string;
}

export interface SnippetCreate {
  code: string;
  title?: string | null;
  language?: string;
  description?: string | null;
  is_starred?: boolean;
}

export type SnippetUpdate = Partial<SnippetCreate>;

export interface SnippetPage {
  items: SnippetSummary[];
  total: number;
  limit: number;
  offset: number;
}

export interface DeleteResult {
  deleted: boolean;
  id: string;
}

export interface SearchResult {
  snippet_id: string;
  title: string | null;
  language: string;
  description: string | null;
  time_complexity: string | null;
  space_complexity: string | null;
  score: number;
}

/** How a search was answered: vectors fused with words, filters alone, or words alone while the
 * embedder is down. */
export type SearchMethod = 'semantic' | 'structured' | 'keyword';

export interface SearchResponse {
  query: string;
  results: SearchResult[];
  method: SearchMethod;
  total: number;
}

export interface SimilarResponse {
  source_snippet_id: string;
  similar: SearchResult[];
  total: number;
}

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Messages the server pushes on the WebSocket. */
export type ServerMessage =
  | { type: 'pong'; connection_id: string }
  | ({ type: 'execution_result'; job_id: string } & ExecutionResult)
  | { type: 'analysis_stream_start'; job_id: string }
  | { type: 'analysis_stream_chunk'; job_id: string; chunk: string }
  | { type: 'analysis_stream_complete'; job_id: string; result: AnalyzeResponse }
  | { type: 'analysis_stream_error'; job_id: string; error: string };
