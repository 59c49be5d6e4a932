/**
 * The HTTP contract's types, taken from `schema.ts`, which `npm run api-types` generates from
 * `openapi.json`, the API's own document (a Rust test keeps that copy current, and
 * `scripts/api-types.test.ts` fails when `schema.ts` was not regenerated). Only the WebSocket frames, which
 * OpenAPI does not describe, are written here.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type SecurityViolation = Schemas['SecurityViolation'];
export type StreamSize = Schemas['StreamSize'];
export type ExecutionResult = Schemas['ExecutionResult'];
export type ExecuteRequest = Schemas['ExecuteBody'];
export type AsyncExecuteRequest = Schemas['AsyncExecuteBody'];
export type JobAccepted = Schemas['JobAccepted'];
export type JobStop = Schemas['JobStop'];
export type AnalyzeRequest = Schemas['AnalyzeBody'];
export type AsyncAnalyzeRequest = Schemas['AnalyzeAsyncBody'];
export type AnalysisAccepted = Schemas['AnalysisAccepted'];
export type AnalyzeResponse = Schemas['AnalyzeResponse'];
export type SnippetSummary = Schemas['SnippetSummary'];
export type Snippet = Schemas['Snippet'];
export type SnippetCreate = Schemas['SnippetBody'];
export type SnippetUpdate = Schemas['SnippetUpdateBody'];
export type SnippetPage = Schemas['Page_SnippetSummary'];
export type DeleteResult = Schemas['Deleted'];
export type SearchResult = Schemas['SearchResult'];
/** How a search was answered: vectors fused with words, filters alone, or words alone while the
 * embedder is down. */
export type SearchMethod = Schemas['Method'];
export type SearchResponse = Schemas['SearchResponse'];
export type SimilarResponse = Schemas['SimilarResponse'];
export type ValidationIssue = Schemas['ValidationIssue'];

/** Messages the server pushes on the WebSocket (docs/api.md, "WebSocket frames"). */
export type ServerMessage =
  | { type: 'pong'; connection_id: string }
  | ({ type: 'execution_result'; job_id: string } & ExecutionResult)
  | { type: 'analysis_stream_start'; job_id: string }
  | { type: 'analysis_stream_chunk'; job_id: string; chunk: string }
  | { type: 'analysis_stream_complete'; job_id: string; result: AnalyzeResponse }
  | { type: 'analysis_stream_error'; job_id: string; error: string };
