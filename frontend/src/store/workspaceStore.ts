import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../api/client';
import { ApiError, describeError } from '../api/errors';
import type { AnalyzeResponse, ExecutionResult, ServerMessage } from '../api/types';
import type { SocketStatus } from '../realtime/socket';
import type { KeyValueStorage } from './storage';

export const CODE_KEY = 'code-remote.code';
export const EXECUTION_TIMEOUT_SECONDS = 30;
/** How long to wait for a pushed result beyond the job's own timeout before giving up. */
export const PUSH_GRACE_MS = 15_000;

export const DEFAULT_CODE = `# Welcome to Code Remote: write Python, press Ctrl/Cmd+Enter to run it.
def fibonacci(n):
    """Return the first n Fibonacci numbers."""
    numbers = [0, 1]
    while len(numbers) < n:
        numbers.append(numbers[-1] + numbers[-2])
    return numbers[:n]


print(fibonacci(10))
`;

export type Transport = 'websocket' | 'http';

export type RunState =
  | { status: 'idle' }
  | { status: 'running'; transport: Transport; jobId: string | null }
  | { status: 'done'; transport: Transport; result: ExecutionResult }
  | { status: 'failed'; error: string };

export type AnalysisState =
  | { status: 'idle' }
  | { status: 'streaming'; transport: Transport; jobId: string | null; narrative: string }
  | { status: 'done'; result: AnalyzeResponse }
  | { status: 'failed'; error: string; narrative: string };

export interface OpenSnippet {
  id: string;
  title: string;
  description: string;
}

export interface WorkspaceState {
  code: string;
  snippet: OpenSnippet | null;
  run: RunState;
  analysis: AnalysisState;
  socketStatus: SocketStatus;
  setCode(code: string): void;
  openSnippet(snippet: OpenSnippet, code: string): void;
  setSnippet(snippet: OpenSnippet | null): void;
  setSocketStatus(status: SocketStatus): void;
  runCode(): Promise<void>;
  analyzeCode(): Promise<void>;
  receive(message: ServerMessage): void;
  reset(): void;
}

export type WorkspaceApi = Pick<ApiClient, 'execute' | 'executeAsync' | 'analyze' | 'analyzeAsync'>;

export interface WorkspaceDeps {
  api: WorkspaceApi;
  /** The open socket's connection id, or null when results cannot be pushed. */
  connectionId: () => string | null;
  storage: KeyValueStorage;
}

const MAX_BUFFERED = 100;

/** True when an async submission failed in a way that a synchronous retry could fix. */
function worthSyncRetry(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status >= 500 || error.status === 404 || error.status === 405;
}

export type WorkspaceStore = StoreApi<WorkspaceState>;

export function createWorkspaceStore(deps: WorkspaceDeps): WorkspaceStore {
  /** Messages for jobs not accepted yet: a fast worker can push before the POST has answered. */
  let early: ServerMessage[] = [];
  let runWatchdog: ReturnType<typeof setTimeout> | null = null;

  return createStore<WorkspaceState>()((set, get) => {
    function clearWatchdog(): void {
      if (runWatchdog !== null) clearTimeout(runWatchdog);
      runWatchdog = null;
    }

    function replayEarly(jobId: string): void {
      const mine = early.filter((message) => 'job_id' in message && message.job_id === jobId);
      early = early.filter((message) => !('job_id' in message) || message.job_id !== jobId);
      for (const message of mine) get().receive(message);
    }

    async function runSync(code: string): Promise<void> {
      set({ run: { status: 'running', transport: 'http', jobId: null } });
      try {
        const result = await deps.api.execute({ code, timeout_seconds: EXECUTION_TIMEOUT_SECONDS });
        set({ run: { status: 'done', transport: 'http', result } });
      } catch (error) {
        set({ run: { status: 'failed', error: describeError(error) } });
      }
    }

    async function analyzeSync(code: string, snippetId: string | undefined): Promise<void> {
      set({ analysis: { status: 'streaming', transport: 'http', jobId: null, narrative: '' } });
      try {
        const result = await deps.api.analyze(snippetId ? { code, snippet_id: snippetId } : { code });
        set({ analysis: { status: 'done', result } });
      } catch (error) {
        set({ analysis: { status: 'failed', error: describeError(error), narrative: '' } });
      }
    }

    return {
      code: deps.storage.getItem(CODE_KEY) ?? DEFAULT_CODE,
      snippet: null,
      run: { status: 'idle' },
      analysis: { status: 'idle' },
      socketStatus: 'closed',

      setCode(code) {
        deps.storage.setItem(CODE_KEY, code);
        set({ code });
      },

      openSnippet(snippet, code) {
        deps.storage.setItem(CODE_KEY, code);
        set({ snippet, code, run: { status: 'idle' }, analysis: { status: 'idle' } });
      },

      setSnippet(snippet) {
        set({ snippet });
      },

      setSocketStatus(socketStatus) {
        set({ socketStatus });
      },

      async runCode() {
        const { code, run } = get();
        if (run.status === 'running') return;
        if (code.trim() === '') {
          set({ run: { status: 'failed', error: 'Write some code to run first.' } });
          return;
        }
        const connectionId = deps.connectionId();
        if (!connectionId) {
          await runSync(code);
          return;
        }
        set({ run: { status: 'running', transport: 'websocket', jobId: null } });
        try {
          const job = await deps.api.executeAsync({
            code,
            connection_id: connectionId,
            timeout_seconds: EXECUTION_TIMEOUT_SECONDS,
          });
          set({ run: { status: 'running', transport: 'websocket', jobId: job.job_id } });
          clearWatchdog();
          runWatchdog = setTimeout(() => {
            const current = get().run;
            if (current.status === 'running' && current.jobId === job.job_id) {
              set({ run: { status: 'failed', error: 'No result arrived from the server. Run again.' } });
            }
          }, EXECUTION_TIMEOUT_SECONDS * 1000 + PUSH_GRACE_MS);
          replayEarly(job.job_id);
        } catch (error) {
          if (worthSyncRetry(error)) {
            await runSync(code);
          } else {
            set({ run: { status: 'failed', error: describeError(error) } });
          }
        }
      },

      async analyzeCode() {
        const { code, analysis, snippet } = get();
        if (analysis.status === 'streaming') return;
        if (code.trim() === '') {
          set({ analysis: { status: 'failed', error: 'Write some code to analyze first.', narrative: '' } });
          return;
        }
        const snippetId = snippet?.id;
        const connectionId = deps.connectionId();
        if (!connectionId) {
          await analyzeSync(code, snippetId);
          return;
        }
        set({ analysis: { status: 'streaming', transport: 'websocket', jobId: null, narrative: '' } });
        try {
          const request = { code, connection_id: connectionId, ...(snippetId ? { snippet_id: snippetId } : {}) };
          const job = await deps.api.analyzeAsync(request);
          set({ analysis: { status: 'streaming', transport: 'websocket', jobId: job.job_id, narrative: '' } });
          replayEarly(job.job_id);
        } catch (error) {
          if (worthSyncRetry(error)) {
            await analyzeSync(code, snippetId);
          } else {
            set({ analysis: { status: 'failed', error: describeError(error), narrative: '' } });
          }
        }
      },

      receive(message) {
        if (message.type === 'pong') return;
        const { run, analysis } = get();
        if (message.type === 'execution_result') {
          if (run.status !== 'running' || run.transport !== 'websocket') return;
          if (run.jobId !== message.job_id) {
            if (run.jobId === null) early = [...early, message].slice(-MAX_BUFFERED);
            return;
          }
          clearWatchdog();
          const { type: _type, job_id: _jobId, ...result } = message;
          set({ run: { status: 'done', transport: 'websocket', result } });
          return;
        }
        if (analysis.status !== 'streaming' || analysis.transport !== 'websocket') return;
        if (analysis.jobId !== message.job_id) {
          if (analysis.jobId === null) early = [...early, message].slice(-MAX_BUFFERED);
          return;
        }
        switch (message.type) {
          case 'analysis_stream_start':
            break;
          case 'analysis_stream_chunk':
            set({ analysis: { ...analysis, narrative: analysis.narrative + message.chunk } });
            break;
          case 'analysis_stream_complete':
            set({
              analysis: {
                status: 'done',
                result: { ...message.result, narrative: message.result.narrative ?? (analysis.narrative || null) },
              },
            });
            break;
          case 'analysis_stream_error':
            set({ analysis: { status: 'failed', error: message.error, narrative: analysis.narrative } });
            break;
        }
      },

      reset() {
        clearWatchdog();
        early = [];
        set({ snippet: null, run: { status: 'idle' }, analysis: { status: 'idle' } });
      },
    };
  });
}
