import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { AnalyzeResponse, ExecutionResult } from '../api/types';
import { memoryStorage } from './storage';
import { CODE_KEY, createWorkspaceStore, DEFAULT_CODE, EXECUTION_TIMEOUT_SECONDS, PUSH_GRACE_MS, type WorkspaceApi } from './workspaceStore';

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
};

const ANALYSIS: AnalyzeResponse = {
  success: true,
  time_complexity: 'O(n)',
  space_complexity: 'O(1)',
  narrative: null,
  error: null,
  available: true,
  model: 'heuristic',
};

function setup(connectionId: string | null, api: Partial<WorkspaceApi> = {}) {
  const storage = memoryStorage();
  const calls = {
    execute: vi.fn(() => Promise.resolve(RESULT)),
    executeAsync: vi.fn(() => Promise.resolve({ job_id: 'job-1', status: 'queued' })),
    analyze: vi.fn(() => Promise.resolve(ANALYSIS)),
    analyzeAsync: vi.fn(() => Promise.resolve({ job_id: 'job-2', status: 'streaming' })),
    ...api,
  };
  const store = createWorkspaceStore({ api: calls, connectionId: () => connectionId, storage });
  return { store, storage, calls };
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
    const again = createWorkspaceStore({ api: setup(null).calls, connectionId: () => null, storage });
    expect(again.getState().code).toBe('print(2)');
  });

  it('opening a snippet replaces the code and clears old results', async () => {
    const { store } = setup(null);
    await store.getState().runCode();
    store.getState().openSnippet({ id: 's1', title: 'T', description: '' }, 'x = 1');
    expect(store.getState()).toMatchObject({ code: 'x = 1', snippet: { id: 's1' }, run: { status: 'idle' } });
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
      timeout_seconds: EXECUTION_TIMEOUT_SECONDS,
    });
    expect(store.getState().run).toEqual({ status: 'running', transport: 'websocket', jobId: 'job-1' });
    store.getState().receive({ type: 'execution_result', job_id: 'other-job', ...RESULT, stdout: 'not mine' });
    expect(store.getState().run.status).toBe('running');
    store.getState().receive({ type: 'execution_result', job_id: 'job-1', ...RESULT });
    expect(store.getState().run).toEqual({ status: 'done', transport: 'websocket', result: RESULT });
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
    expect(store.getState().run).toEqual({ status: 'done', transport: 'websocket', result: RESULT });
  });

  it('falls back to POST /execute when the socket is down', async () => {
    const { store, calls } = setup(null);
    await store.getState().runCode();
    expect(calls.executeAsync).not.toHaveBeenCalled();
    expect(calls.execute).toHaveBeenCalledWith({ code: DEFAULT_CODE, timeout_seconds: EXECUTION_TIMEOUT_SECONDS });
    expect(store.getState().run).toEqual({ status: 'done', transport: 'http', result: RESULT });
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
    await vi.advanceTimersByTimeAsync(EXECUTION_TIMEOUT_SECONDS * 1000 + PUSH_GRACE_MS - 1);
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

  it('reset clears results and the open snippet', async () => {
    const { store } = setup(null);
    store.getState().openSnippet({ id: 's', title: '', description: '' }, 'x');
    await store.getState().analyzeCode();
    store.getState().reset();
    expect(store.getState()).toMatchObject({ snippet: null, run: { status: 'idle' }, analysis: { status: 'idle' } });
  });
});
