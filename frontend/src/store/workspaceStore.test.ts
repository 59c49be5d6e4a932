import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortedError, ApiError } from '../api/errors';
import type { AnalyzeResponse, ExecutionResult } from '../api/types';
import { memoryStorage } from './storage';
import { CODE_KEY, DEFAULT_TIMEOUT_SECONDS, SNIPPET_KEY, TIMEOUT_KEY } from './persisted';
import { createWorkspaceStore, DEFAULT_CODE, isModified, PUSH_GRACE_MS, STOP_GRACE_MS, type WorkspaceApi } from './workspaceStore';

const RESULT: ExecutionResult = {
  success: true,
  stdout: 'hi\n',
  stderr: '',
  error: null,
  error_type: null,
  execution_time_ms: 12,
  timed_out: false,
  truncated: false,
  security_violations: [],
  cancelled: false,
};

const ANALYSIS: AnalyzeResponse = {
  success: true,
  time_complexity: 'O(n)',
  space_complexity: 'O(1)',
  narrative: '',
  error: null,
  available: true,
  model: 'heuristic',
  patterns: [],
};

const T0 = 1_000_000;

function setup(connectionId: string | null, api: Partial<WorkspaceApi> = {}, storage = memoryStorage()) {
  let clock = T0;
  const calls = {
    execute: vi.fn((_request: unknown, _signal?: AbortSignal) => Promise.resolve(RESULT)),
    executeAsync: vi.fn(() => Promise.resolve({ job_id: 'job-1', status: 'queued' })),
    cancelExecution: vi.fn(() => Promise.resolve({ job_id: 'job-1', status: 'stopping' as const })),
    analyze: vi.fn(() => Promise.resolve(ANALYSIS)),
    analyzeAsync: vi.fn(() => Promise.resolve({ job_id: 'job-2', status: 'streaming' })),
    ...api,
  };
  const store = createWorkspaceStore({ api: calls, connectionId: () => connectionId, storage, now: () => clock });
  return { store, storage, calls, tick: (ms: number) => (clock += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('workspace store: code', () => {
  it('starts from the default example and keeps edits in storage', () => {
    const { store, storage } = setup(null);
    expect(store.getState().code).toBe(DEFAULT_CODE);
    store.getState().setCode('print(2)');
    expect(storage.getItem(CODE_KEY)).toBe('print(2)');
    expect(setup(null, {}, storage).store.getState().code).toBe('print(2)');
  });

  it('opening a snippet replaces the code and clears old results', async () => {
    const { store } = setup(null);
    await store.getState().runCode();
    store.getState().openSnippet({ id: 's1', title: 'T', description: '' }, 'x = 1');
    expect(store.getState()).toMatchObject({ code: 'x = 1', snippet: { id: 's1' }, run: { status: 'idle' } });
  });

  it('remembers the open snippet across a reload and marks code that differs from the saved', () => {
    const { store, storage } = setup(null);
    store.getState().openSnippet({ id: 's1', title: 'Sum', description: 'd' }, 'x = 1');
    expect(isModified(store.getState())).toBe(false);
    store.getState().setCode('x = 2');
    const reloaded = setup(null, {}, storage).store.getState();
    expect(reloaded.snippet).toEqual({ id: 's1', title: 'Sum', description: 'd', savedCode: 'x = 1' });
    expect(reloaded.code).toBe('x = 2');
    expect(isModified(reloaded)).toBe(true);
    reloaded.setSnippet({ id: 's1', title: 'Sum', description: 'd', savedCode: 'x = 2' });
    expect(isModified(setup(null, {}, storage).store.getState())).toBe(false);
  });

  it('forgets a corrupt or partial open-snippet entry', () => {
    const storage = memoryStorage();
    for (const raw of ['{not json', JSON.stringify({ id: 's1', title: 'T' }), JSON.stringify({ id: '', title: '', description: '', savedCode: '' })]) {
      storage.setItem(SNIPPET_KEY, raw);
      expect(setup(null, {}, storage).store.getState().snippet).toBeNull();
      expect(storage.getItem(SNIPPET_KEY)).toBeNull();
    }
  });

  it('keeps the chosen run limit, and only the offered ones', async () => {
    const { store, storage, calls } = setup(null);
    store.getState().setTimeoutSeconds(5);
    store.getState().setTimeoutSeconds(31);
    store.getState().setTimeoutSeconds(0.01);
    expect(store.getState().timeoutSeconds).toBe(5);
    expect(storage.getItem(TIMEOUT_KEY)).toBe('5');
    await store.getState().runCode();
    expect(calls.execute).toHaveBeenCalledWith({ code: DEFAULT_CODE, timeout_seconds: 5 }, expect.any(AbortSignal));
    storage.setItem(TIMEOUT_KEY, '999');
    expect(setup(null, {}, storage).store.getState().timeoutSeconds).toBe(DEFAULT_TIMEOUT_SECONDS);
  });
});

describe('workspace store: running', () => {
  it('runs over the WebSocket when a connection is open and shows the pushed result', async () => {
    const { store, calls } = setup('conn-1');
    store.getState().setCode('print("hi")');
    await store.getState().runCode();
    expect(calls.executeAsync).toHaveBeenCalledWith({
      code: 'print("hi")',
      connection_id: 'conn-1',
      timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
    });
    expect(store.getState().run).toMatchObject({ status: 'running', transport: 'websocket', jobId: 'job-1', startedAt: T0 });
    store.getState().receive({ type: 'execution_result', job_id: 'other-job', ...RESULT, stdout: 'not mine' });
    expect(store.getState().run.status).toBe('running');
    store.getState().receive({ type: 'execution_result', job_id: 'job-1', ...RESULT });
    expect(store.getState().run).toEqual({
      status: 'done',
      transport: 'websocket',
      result: RESULT,
      code: 'print("hi")',
      limitSeconds: DEFAULT_TIMEOUT_SECONDS,
    });
    expect(calls.execute).not.toHaveBeenCalled();
  });

  it('keeps a result that arrives before the job was acknowledged', async () => {
    let acknowledge: (value: { job_id: string; status: string }) => void = () => undefined;
    const { store } = setup('conn-1', {
      executeAsync: () => new Promise((resolve) => (acknowledge = resolve)),
    });
    const running = store.getState().runCode();
    store.getState().receive({ type: 'execution_result', job_id: 'job-9', ...RESULT });
    acknowledge({ job_id: 'job-9', status: 'queued' });
    await running;
    expect(store.getState().run).toMatchObject({ status: 'done', transport: 'websocket', result: RESULT });
  });

  it('falls back to POST /execute when the socket is down', async () => {
    const { store, calls } = setup(null);
    await store.getState().runCode();
    expect(calls.executeAsync).not.toHaveBeenCalled();
    expect(calls.execute).toHaveBeenCalledWith({ code: DEFAULT_CODE, timeout_seconds: DEFAULT_TIMEOUT_SECONDS }, expect.any(AbortSignal));
    expect(store.getState().run).toMatchObject({ status: 'done', transport: 'http', result: RESULT });
  });

  it('falls back to POST /execute when the async submission fails on the server', async () => {
    const { store, calls } = setup('conn-1', {
      executeAsync: () => Promise.reject(new ApiError(502, 'bad gateway')),
    });
    await store.getState().runCode();
    expect(calls.execute).toHaveBeenCalledTimes(1);
    expect(store.getState().run.status).toBe('done');
  });

  it('does not retry a request the server refused as invalid', async () => {
    const { store, calls } = setup('conn-1', {
      executeAsync: () => Promise.reject(new ApiError(422, 'code: too long', { code: 'too long' })),
    });
    await store.getState().runCode();
    expect(calls.execute).not.toHaveBeenCalled();
    expect(store.getState().run).toEqual({ status: 'failed', error: 'code: too long' });
  });

  it('gives up waiting for a pushed result after the timeout and a grace period', async () => {
    vi.useFakeTimers();
    const { store } = setup('conn-1');
    await store.getState().runCode();
    await vi.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_SECONDS * 1000 + PUSH_GRACE_MS - 1);
    expect(store.getState().run.status).toBe('running');
    await vi.advanceTimersByTimeAsync(1);
    expect(store.getState().run).toMatchObject({ status: 'failed', error: expect.stringMatching(/no result/i) });
  });

  it('refuses to run empty code', async () => {
    const { store, calls } = setup(null);
    store.getState().setCode('   \n');
    await store.getState().runCode();
    expect(calls.execute).not.toHaveBeenCalled();
    expect(store.getState().run.status).toBe('failed');
  });
});

describe('workspace store: analysis', () => {
  it('streams the narrative chunk by chunk and completes with the result', async () => {
    const { store, calls } = setup('conn-1');
    store.getState().openSnippet({ id: 'snip-1', title: '', description: '' }, 'for i in x: pass');
    await store.getState().analyzeCode();
    expect(calls.analyzeAsync).toHaveBeenCalledWith({ code: 'for i in x: pass', connection_id: 'conn-1', snippet_id: 'snip-1' });
    store.getState().receive({ type: 'analysis_stream_start', job_id: 'job-2' });
    store.getState().receive({ type: 'analysis_stream_chunk', job_id: 'job-2', chunk: 'Linear ' });
    store.getState().receive({ type: 'analysis_stream_chunk', job_id: 'job-2', chunk: 'time: $O(n)$' });
    expect(store.getState().analysis).toMatchObject({ status: 'streaming', narrative: 'Linear time: $O(n)$' });
    store.getState().receive({ type: 'analysis_stream_complete', job_id: 'job-2', result: ANALYSIS });
    expect(store.getState().analysis).toEqual({
      status: 'done',
      result: { ...ANALYSIS, narrative: 'Linear time: $O(n)$' },
    });
  });

  it('keeps what was streamed when the stream fails', async () => {
    const { store } = setup('conn-1');
    await store.getState().analyzeCode();
    store.getState().receive({ type: 'analysis_stream_chunk', job_id: 'job-2', chunk: 'partial' });
    store.getState().receive({ type: 'analysis_stream_error', job_id: 'job-2', error: 'provider down' });
    expect(store.getState().analysis).toEqual({ status: 'failed', error: 'provider down', narrative: 'partial' });
  });

  it('uses POST /analyze when the socket is down', async () => {
    const { store, calls } = setup(null);
    await store.getState().analyzeCode();
    expect(calls.analyze).toHaveBeenCalledWith({ code: DEFAULT_CODE });
    expect(store.getState().analysis).toEqual({ status: 'done', result: ANALYSIS });
  });

  it('reset (the session ended) clears results and keeps the code and open snippet', async () => {
    const { store } = setup(null);
    store.getState().openSnippet({ id: 's', title: '', description: '' }, 'x');
    await store.getState().analyzeCode();
    store.getState().reset();
    expect(store.getState()).toMatchObject({ code: 'x', snippet: { id: 's' }, run: { status: 'idle' }, analysis: { status: 'idle' } });
  });

  it('forget (the user signed out) also drops the code and the open snippet from storage', () => {
    const { store, storage } = setup(null);
    store.getState().openSnippet({ id: 's', title: '', description: '' }, 'secret = 1');
    store.getState().forget();
    expect(store.getState()).toMatchObject({ code: DEFAULT_CODE, snippet: null });
    expect(storage.getItem(CODE_KEY)).toBeNull();
    expect(storage.getItem(SNIPPET_KEY)).toBeNull();
  });
});

describe('workspace store: owner', () => {
  it("forgets another user's code and open snippet, and keeps one's own", () => {
    const { store, storage } = setup(null);
    store.getState().claim('alice');
    store.getState().openSnippet({ id: 's1', title: 'Mine', description: '' }, 'alice = 1');
    store.getState().claim('alice');
    expect(store.getState()).toMatchObject({ code: 'alice = 1', snippet: { id: 's1' } });
    const later = setup(null, {}, storage).store;
    later.getState().claim('bob');
    expect(later.getState()).toMatchObject({ code: DEFAULT_CODE, snippet: null });
    expect(storage.getItem(SNIPPET_KEY)).toBeNull();
  });
});

describe('workspace store: a snippet deleted elsewhere', () => {
  it('analyzes the code as unsaved and drops the stale snippet', async () => {
    const analyze = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(404, 'Snippet not found'))
      .mockResolvedValueOnce(ANALYSIS);
    const { store } = setup(null, { analyze });
    store.getState().openSnippet({ id: 'gone', title: 'T', description: '' }, 'x = 1');
    await store.getState().analyzeCode();
    expect(analyze).toHaveBeenNthCalledWith(1, { code: 'x = 1', snippet_id: 'gone' });
    expect(analyze).toHaveBeenNthCalledWith(2, { code: 'x = 1' });
    expect(store.getState()).toMatchObject({ snippet: null, analysis: { status: 'done' } });
  });
});

describe('workspace store: stopping', () => {
  const STOPPED = { ...RESULT, success: false, stdout: 'partial\n', cancelled: true, error_type: 'Cancelled', execution_time_ms: 2100 };

  it('asks the server to stop a running job and shows the pushed result', async () => {
    const { store, calls } = setup('conn-1');
    await store.getState().runCode();
    await store.getState().stopRun();
    expect(calls.cancelExecution).toHaveBeenCalledWith('job-1');
    expect(store.getState().run).toMatchObject({ status: 'running', stopping: true });
    store.getState().receive({ type: 'execution_result', job_id: 'job-1', ...STOPPED });
    expect(store.getState().run).toMatchObject({ status: 'done', result: { cancelled: true, stdout: 'partial\n' } });
  });

  it('ends a job that had not started at once', async () => {
    const { store } = setup('conn-1', {
      cancelExecution: () => Promise.resolve({ job_id: 'job-1', status: 'cancelled' }),
    });
    await store.getState().runCode();
    await store.getState().stopRun();
    expect(store.getState().run).toMatchObject({
      status: 'done',
      result: { cancelled: true, execution_time_ms: 0, error: 'Stopped before it started.' },
    });
  });

  it('stops a job once it has an id when Stop came first', async () => {
    let acknowledge: (value: { job_id: string; status: string }) => void = () => undefined;
    const { store, calls } = setup('conn-1', {
      executeAsync: () => new Promise((resolve) => (acknowledge = resolve)),
    });
    const running = store.getState().runCode();
    await store.getState().stopRun();
    expect(calls.cancelExecution).not.toHaveBeenCalled();
    acknowledge({ job_id: 'job-7', status: 'queued' });
    await running;
    expect(calls.cancelExecution).toHaveBeenCalledWith('job-7');
  });

  it('keeps the run going and says why when the stop fails', async () => {
    const { store } = setup('conn-1', {
      cancelExecution: () => Promise.reject(new ApiError(503, 'Service unavailable')),
    });
    await store.getState().runCode();
    await store.getState().stopRun();
    expect(store.getState().run).toMatchObject({
      status: 'running',
      stopping: false,
      stopError: 'Could not stop the run: Service unavailable',
    });
  });

  it('shows a stopped run as stopped when its pushed result does not come', async () => {
    vi.useFakeTimers();
    const { store, tick } = setup('conn-1');
    await store.getState().runCode();
    tick(2000);
    await store.getState().stopRun();
    await vi.advanceTimersByTimeAsync(STOP_GRACE_MS);
    expect(store.getState().run).toMatchObject({
      status: 'done',
      result: { cancelled: true, execution_time_ms: 2000, error: 'Stopped. Its output did not arrive.' },
    });
  });

  it('opening a snippet stops the run in progress, and its late answer changes nothing', async () => {
    const answers: ((result: ExecutionResult) => void)[] = [];
    const signals: (AbortSignal | undefined)[] = [];
    const { store } = setup(null, {
      execute: (_request, signal) =>
        new Promise((resolve) => {
          answers.push(resolve);
          signals.push(signal);
        }),
    });
    const stale = store.getState().runCode();
    store.getState().openSnippet({ id: 's1', title: 'T', description: '' }, 'print(2)');
    expect(signals[0]?.aborted).toBe(true);
    expect(store.getState().run).toEqual({ status: 'idle' });
    const fresh = store.getState().runCode();
    answers[0]?.({ ...RESULT, stdout: 'old\n' });
    await stale;
    expect(store.getState().run).toMatchObject({ status: 'running', code: 'print(2)' });
    answers[1]?.(RESULT);
    await fresh;
    expect(store.getState().run).toMatchObject({ status: 'done', result: { stdout: 'hi\n' } });
    expect(answers).toHaveLength(2);
  });

  it('stops a queued job nobody waits for any more', async () => {
    let acknowledge: (value: { job_id: string; status: string }) => void = () => undefined;
    const { store, calls } = setup('conn-1', {
      executeAsync: () => new Promise((resolve) => (acknowledge = resolve)),
    });
    const running = store.getState().runCode();
    store.getState().openSnippet({ id: 's1', title: 'T', description: '' }, 'x = 1');
    acknowledge({ job_id: 'job-orphan', status: 'queued' });
    await running;
    expect(calls.cancelExecution).toHaveBeenCalledWith('job-orphan');
    expect(store.getState().run).toEqual({ status: 'idle' });
  });

  it('aborts a direct run, which the server kills when the request goes', async () => {
    let signal: AbortSignal | undefined;
    const { store, tick } = setup(null, {
      execute: (_request, given) =>
        new Promise((_resolve, reject) => {
          signal = given;
          given?.addEventListener('abort', () => reject(new AbortedError()));
        }),
    });
    const running = store.getState().runCode();
    tick(1500);
    await store.getState().stopRun();
    await running;
    expect(signal?.aborted).toBe(true);
    expect(store.getState().run).toMatchObject({
      status: 'done',
      transport: 'http',
      result: { cancelled: true, execution_time_ms: 1500 },
    });
  });
});
