import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../api/types';
import { PING, RealtimeSocket, type SocketStatus, type WebSocketLike } from './socket';

class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

function latest(): FakeSocket {
  const socket = FakeSocket.instances[FakeSocket.instances.length - 1];
  if (!socket) throw new Error('no socket created');
  return socket;
}

/** Lets the awaited url() promise inside connect() settle. */
async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

describe('RealtimeSocket', () => {
  let statuses: SocketStatus[];
  let tokens: number;

  function create(overrides: Partial<ConstructorParameters<typeof RealtimeSocket>[0]> = {}) {
    return new RealtimeSocket({
      url: () => Promise.resolve(`wss://ws.test/live?token=t${(tokens += 1)}`),
      createSocket: (url) => new FakeSocket(url),
      random: () => 0.5,
      pingIntervalMs: 240_000,
      onStatus: (status) => statuses.push(status),
      ...overrides,
    });
  }

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.instances = [];
    statuses = [];
    tokens = 0;
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('pings on open and becomes usable once the pong names the connection', async () => {
    const socket = create();
    const received: ServerMessage[] = [];
    socket.subscribe((message) => received.push(message));
    socket.start();
    await flush();
    expect(latest().url).toBe('wss://ws.test/live?token=t1');
    latest().open();
    expect(latest().sent).toEqual([PING]);
    expect(socket.connectionId).toBeNull();
    latest().receive({ type: 'pong', connection_id: 'conn-1' });
    expect(socket.status).toBe('open');
    expect(socket.connectionId).toBe('conn-1');
    expect(received).toEqual([{ type: 'pong', connection_id: 'conn-1' }]);
  });

  it('keeps pinging every interval while open', async () => {
    const socket = create();
    socket.start();
    await flush();
    latest().open();
    await vi.advanceTimersByTimeAsync(240_000 * 3);
    expect(latest().sent).toEqual([PING, PING, PING, PING]);
  });

  it('reconnects with growing, capped backoff and a fresh token each time', async () => {
    const socket = create({ initialBackoffMs: 1000, maxBackoffMs: 4000 });
    socket.start();
    await flush();
    latest().drop();
    expect(socket.status).toBe('reconnecting');
    expect(socket.connectionId).toBeNull();

    // random() = 0.5 gives three quarters of each ceiling: 750, 1500, 3000, then capped at 3000.
    for (const [attempt, delay] of [750, 1500, 3000, 3000].entries()) {
      const before = FakeSocket.instances.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(FakeSocket.instances.length, `attempt ${attempt} too early`).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeSocket.instances.length, `attempt ${attempt} missing`).toBe(before + 1);
      latest().drop();
    }
    expect(FakeSocket.instances.map((fake) => fake.url.split('=')[1])).toEqual(['t1', 't2', 't3', 't4', 't5']);
  });

  it('resets the backoff after a successful open', async () => {
    const socket = create({ initialBackoffMs: 1000 });
    socket.start();
    await flush();
    latest().drop();
    await vi.advanceTimersByTimeAsync(750);
    latest().drop();
    await vi.advanceTimersByTimeAsync(1500);
    latest().open();
    latest().receive({ type: 'pong', connection_id: 'conn-2' });
    latest().drop();
    const before = FakeSocket.instances.length;
    await vi.advanceTimersByTimeAsync(750);
    expect(FakeSocket.instances.length).toBe(before + 1);
    expect(statuses).toContain('open');
  });

  it('retries when no token can be had for the URL', async () => {
    let fail = true;
    const socket = create({
      url: () => (fail ? Promise.reject(new Error('signed out')) : Promise.resolve('wss://ws.test/live?token=ok')),
    });
    socket.start();
    await flush();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(socket.status).toBe('reconnecting');
    fail = false;
    await vi.advanceTimersByTimeAsync(750);
    expect(latest().url).toBe('wss://ws.test/live?token=ok');
  });

  it('stops for good: closes the socket and schedules nothing', async () => {
    const socket = create();
    socket.start();
    await flush();
    latest().open();
    socket.stop();
    expect(latest().closedWith).toBe(1000);
    expect(socket.status).toBe('closed');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(latest().sent).toEqual([PING]);
  });

  it('ignores frames that are not JSON messages with a type', async () => {
    const socket = create();
    const received: ServerMessage[] = [];
    socket.subscribe((message) => received.push(message));
    socket.start();
    await flush();
    latest().open();
    latest().onmessage?.({ data: 'not json' });
    latest().receive({ no: 'type' });
    latest().receive({ type: 'analysis_stream_chunk', job_id: 'j', chunk: 'x' });
    expect(received).toEqual([{ type: 'analysis_stream_chunk', job_id: 'j', chunk: 'x' }]);
  });
});
