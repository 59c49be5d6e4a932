import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../api/client';
import { AbortedError, ApiError, describeError } from '../api/errors';
import type { AnalyzeResponse, ExecutionResult, ServerMessage } from '../api/types';
import type { SocketStatus } from '../realtime/socket';
import {
  CODE_KEY,
  OWNER_KEY,
  readOpenSnippet,
  readTimeout,
  TIMEOUT_CHOICES,
  TIMEOUT_KEY,
  writeOpenSnippet,
  type OpenSnippet,
} from './persisted';
import type { KeyValueStorage } from './storage';

export type { OpenSnippet } from './persisted';

/** How long to wait for a pushed result beyond the job's own limit before giving up. */
export const PUSH_GRACE_MS = 15_000;
/** How long a stopped run waits for its pushed result before it is shown as stopped anyway. */
export const STOP_GRACE_MS = 5_000;

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
  | {
      status: 'running';
      /** Tells this run from the ones before it: late answers of an old run are ignored. */
      runId: number;
      transport: Transport;
      jobId: string | null;
      /** The code that runs (the editor may change meanwhile). */
      code: string;
      /** `Date.now()` when Run was pressed, for the elapsed time. */
      startedAt: number;
      limitSeconds: number;
      /** Stop was pressed; the run ends as soon as the server has killed it. */
      stopping: boolean;
      /** Why the last Stop failed (the run goes on to its limit). */
      stopError: string | null;
    }
  | { status: 'done'; transport: Transport; result: ExecutionResult; code: string; limitSeconds: number }
  | { status: 'failed'; error: string };

export type AnalysisState =
  | { status: 'idle' }
  | { status: 'streaming'; transport: Transport; jobId: string | null; narrative: string }
  | { status: 'done'; result: AnalyzeResponse }
  | { status: 'failed'; error: string; narrative: string };

export interface WorkspaceState {
  code: string;
  snippet: OpenSnippet | null;
  /** The run limit the next run asks for, in seconds (one of `TIMEOUT_CHOICES`). */
  timeoutSeconds: number;
  run: RunState;
  analysis: AnalysisState;
  socketStatus: SocketStatus;
  setCode(code: string): void;
  openSnippet(snippet: Omit<OpenSnippet, 'savedCode'>, code: string): void;
  /** Records the open snippet; `savedCode` is what the server now holds. */
  setSnippet(snippet: OpenSnippet | null): void;
  /** Changes the run limit to one of `TIMEOUT_CHOICES` (others are ignored) and keeps it. */
  setTimeoutSeconds(seconds: number): void;
  setSocketStatus(status: SocketStatus): void;
  /** Records whose workspace this is; another user's code and open snippet are forgotten. */
  claim(owner: string): void;
  runCode(): Promise<void>;
  /** The user's Stop: cancels the queued or running job, or drops a direct run's request. */
  stopRun(): Promise<void>;
  analyzeCode(): Promise<void>;
  receive(message: ServerMessage): void;
  /** Stops runs and analyses in flight (the session ended); the code and open snippet stay. */
  reset(): void;
  /** Also forgets the code and the open snippet (the user signed out). */
  forget(): void;
}

export type WorkspaceApi = Pick<ApiClient, 'execute' | 'executeAsync' | 'cancelExecution' | 'analyze' | 'analyzeAsync'>;

export interface WorkspaceDeps {
  api: WorkspaceApi;
  /** The open socket's connection id, or null when results cannot be pushed. */
  connectionId: () => string | null;
  storage: KeyValueStorage;
  now?: () => number;
}

/** True when the editor holds code other than what the open snippet has saved. */
export function isModified(state: Pick<WorkspaceState, 'code' | 'snippet'>): boolean {
  return state.snippet !== null && state.code !== state.snippet.savedCode;
}

/** The result shown for a run stopped by the user before the server answered. */
export function stoppedResult(elapsedMs: number, error: string): ExecutionResult {
  return {
    success: false,
    stdout: '',
    stderr: '',
    error,
    error_type: 'Cancelled',
    execution_time_ms: elapsedMs,
    timed_out: false,
    truncated: false,
    security_violations: [],
    cancelled: true,
  };
}

const MAX_BUFFERED = 100;

/** True when an async submission failed in a way that a synchronous retry could fix. */
function worthSyncRetry(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status >= 500 || error.status === 404 || error.status === 405;
}

/** True when the API no longer knows the open snippet (deleted elsewhere). */
function snippetGone(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.message === 'Snippet not found';
}

export type WorkspaceStore = StoreApi<WorkspaceState>;

export function createWorkspaceStore(deps: WorkspaceDeps): WorkspaceStore {
  const now = deps.now ?? Date.now;
  /** Messages for jobs not accepted yet: a fast worker can push before the POST has answered. */
  let early: ServerMessage[] = [];
  let runWatchdog: ReturnType<typeof setTimeout> | null = null;
  /** Aborts the request of a direct (HTTP) run. */
  let directRun: AbortController | null = null;
  let lastRunId = 0;

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

    /** The run in progress if it is still run `runId`. */
    function current(runId: number): Extract<RunState, { status: 'running' }> | null {
      const run = get().run;
      return run.status === 'running' && run.runId === runId ? run : null;
    }

    /** Ends run `runId` with `result`, unless another run has replaced it. */
    function finish(runId: number, result: ExecutionResult): void {
      const run = current(runId);
      if (!run) return;
      clearWatchdog();
      set({ run: { status: 'done', transport: run.transport, result, code: run.code, limitSeconds: run.limitSeconds } });
    }

    function startRun(transport: Transport, code: string, limitSeconds: number): number {
      lastRunId += 1;
      const runId = lastRunId;
      set({
        run: { status: 'running', runId, transport, jobId: null, code, startedAt: now(), limitSeconds, stopping: false, stopError: null },
      });
      return runId;
    }

    async function runSync(code: string, limitSeconds: number): Promise<void> {
      const controller = new AbortController();
      directRun = controller;
      const runId = startRun('http', code, limitSeconds);
      const startedAt = now();
      try {
        const result = await deps.api.execute({ code, timeout_seconds: limitSeconds }, controller.signal);
        finish(runId, result);
      } catch (error) {
        if (error instanceof AbortedError) {
          finish(runId, stoppedResult(now() - startedAt, 'Stopped waiting for this run. Its output is not kept.'));
        } else if (current(runId)) {
          set({ run: { status: 'failed', error: describeError(error) } });
        }
      } finally {
        if (directRun === controller) directRun = null;
      }
    }

    async function cancelJob(runId: number, jobId: string): Promise<void> {
      try {
        const answer = await deps.api.cancelExecution(jobId);
        // A job that never started has no run to report: its result is the stop itself. In
        // every other case the worker pushes the result (stopped, or finished just before).
        if (answer.status === 'cancelled') {
          finish(runId, stoppedResult(0, 'Stopped before it started.'));
        } else {
          // A push can be lost (the socket reconnected meanwhile): do not wait the whole limit.
          setTimeout(() => {
            const run = current(runId);
            if (run) finish(runId, stoppedResult(now() - run.startedAt, 'Stopped. Its output did not arrive.'));
          }, STOP_GRACE_MS);
        }
      } catch (error) {
        const run = current(runId);
        if (run) set({ run: { ...run, stopping: false, stopError: `Could not stop the run: ${describeError(error)}` } });
      }
    }

    async function analyzeSync(code: string, snippetId: string | undefined): Promise<void> {
      set({ analysis: { status: 'streaming', transport: 'http', jobId: null, narrative: '' } });
      try {
        const result = await deps.api.analyze(snippetId ? { code, snippet_id: snippetId } : { code });
        set({ analysis: { status: 'done', result } });
      } catch (error) {
        if (snippetId && snippetGone(error)) {
          get().setSnippet(null);
          await analyzeSync(code, undefined);
        } else {
          set({ analysis: { status: 'failed', error: describeError(error), narrative: '' } });
        }
      }
    }

    /** Stops what the user can no longer see: the run in progress is stopped and forgotten. */
    function abandonRun(): void {
      void get().stopRun();
      clearWatchdog();
      set({ run: { status: 'idle' } });
    }

    return {
      code: deps.storage.getItem(CODE_KEY) ?? DEFAULT_CODE,
      snippet: readOpenSnippet(deps.storage),
      timeoutSeconds: readTimeout(deps.storage),
      run: { status: 'idle' },
      analysis: { status: 'idle' },
      socketStatus: 'closed',

      setCode(code) {
        deps.storage.setItem(CODE_KEY, code);
        set({ code });
      },

      openSnippet(snippet, code) {
        const open = { ...snippet, savedCode: code };
        abandonRun();
        deps.storage.setItem(CODE_KEY, code);
        writeOpenSnippet(deps.storage, open);
        set({ snippet: open, code, analysis: { status: 'idle' } });
      },

      setSnippet(snippet) {
        writeOpenSnippet(deps.storage, snippet);
        set({ snippet });
      },

      setTimeoutSeconds(seconds) {
        if (!(TIMEOUT_CHOICES as readonly number[]).includes(seconds)) return;
        deps.storage.setItem(TIMEOUT_KEY, String(seconds));
        set({ timeoutSeconds: seconds });
      },

      setSocketStatus(socketStatus) {
        set({ socketStatus });
      },

      claim(owner) {
        const previous = deps.storage.getItem(OWNER_KEY);
        if (previous !== null && previous !== owner) get().forget();
        deps.storage.setItem(OWNER_KEY, owner);
      },

      async runCode() {
        const { code, run, timeoutSeconds: limitSeconds } = get();
        if (run.status === 'running') return;
        if (code.trim() === '') {
          set({ run: { status: 'failed', error: 'Write some code to run first.' } });
          return;
        }
        const connectionId = deps.connectionId();
        if (!connectionId) {
          await runSync(code, limitSeconds);
          return;
        }
        const runId = startRun('websocket', code, limitSeconds);
        try {
          const job = await deps.api.executeAsync({ code, connection_id: connectionId, timeout_seconds: limitSeconds });
          const run = current(runId);
          if (!run) {
            // Nobody waits for this job any more (another snippet was opened): stop it.
            await deps.api.cancelExecution(job.job_id).catch(() => undefined);
            return;
          }
          set({ run: { ...run, jobId: job.job_id } });
          clearWatchdog();
          runWatchdog = setTimeout(() => {
            if (current(runId)) set({ run: { status: 'failed', error: 'No result arrived from the server. Run again.' } });
          }, limitSeconds * 1000 + PUSH_GRACE_MS);
          replayEarly(job.job_id);
          // Stop was pressed before the job had an id: stop it now.
          if (run.stopping) await cancelJob(runId, job.job_id);
        } catch (error) {
          const run = current(runId);
          if (!run) return;
          if (run.stopping) {
            finish(runId, stoppedResult(0, 'Stopped before it started.'));
          } else if (worthSyncRetry(error)) {
            await runSync(code, limitSeconds);
          } else {
            set({ run: { status: 'failed', error: describeError(error) } });
          }
        }
      },

      async stopRun() {
        const run = get().run;
        if (run.status !== 'running' || run.stopping) return;
        set({ run: { ...run, stopping: true, stopError: null } });
        if (run.transport === 'http') {
          directRun?.abort();
        } else if (run.jobId !== null) {
          await cancelJob(run.runId, run.jobId);
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
          if (snippetGone(error)) {
            // Deleted elsewhere: the code is no longer that snippet's, and is analyzed as is.
            get().setSnippet(null);
            set({ analysis: { status: 'idle' } });
            await get().analyzeCode();
          } else if (worthSyncRetry(error)) {
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
          const { type: _type, job_id: _jobId, ...result } = message;
          finish(run.runId, result);
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
                result: { ...message.result, narrative: message.result.narrative || analysis.narrative },
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
        directRun?.abort();
        early = [];
        set({ run: { status: 'idle' }, analysis: { status: 'idle' } });
      },

      forget() {
        abandonRun();
        get().reset();
        deps.storage.removeItem(CODE_KEY);
        deps.storage.removeItem(OWNER_KEY);
        writeOpenSnippet(deps.storage, null);
        set({ code: DEFAULT_CODE, snippet: null });
      },
    };
  });
}
