import type { ServerMessage } from '../api/types';

/** The part of the browser WebSocket the client uses, so tests can inject a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

/**
 * `connecting`: opening, or open but the server has not told us our connection id yet;
 * `open`: usable for async jobs; `reconnecting`: waiting to retry; `closed`: stopped.
 */
export type SocketStatus = 'closed' | 'connecting' | 'open' | 'reconnecting';

export interface RealtimeSocketOptions {
  /** Builds the URL for each attempt (so each carries a fresh ID token). */
  url: () => Promise<string>;
  createSocket?: WebSocketFactory;
  pingIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  onStatus?: (status: SocketStatus) => void;
}

const OPEN = 1;

export const PING = JSON.stringify({ action: 'ping' });

function isServerMessage(value: unknown): value is ServerMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/**
 * A WebSocket that reconnects with exponential backoff and jitter, pings to stay alive (API
 * Gateway drops idle connections after 10 minutes) and learns its connection id from the `pong`.
 */
export class RealtimeSocket {
  private socket: WebSocketLike | null = null;
  private running = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private currentStatus: SocketStatus = 'closed';
  private id: string | null = null;
  private readonly listeners = new Set<(message: ServerMessage) => void>();
  private readonly createSocket: WebSocketFactory;
  private readonly pingIntervalMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;

  constructor(private readonly options: RealtimeSocketOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
    this.pingIntervalMs = options.pingIntervalMs ?? 4 * 60 * 1000;
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  get status(): SocketStatus {
    return this.currentStatus;
  }

  /** The id the server knows this connection by, once it is open; null otherwise. */
  get connectionId(): string | null {
    return this.currentStatus === 'open' ? this.id : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'client stopped');
    }
    this.setStatus('closed');
  }

  subscribe(listener: (message: ServerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The delay before reconnect attempt `attempt` (0-based): exponential, capped, half jittered. */
  backoffDelay(attempt: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  private async connect(): Promise<void> {
    this.setStatus('connecting');
    let url: string;
    try {
      url = await this.options.url();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (!this.running) return;
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      socket.send(PING);
      this.pingTimer = setInterval(() => {
        if (socket.readyState === OPEN) socket.send(PING);
      }, this.pingIntervalMs);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.id = null;
      this.clearTimers();
      this.scheduleReconnect();
    };
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isServerMessage(message)) return;
    if (message.type === 'pong' && typeof message.connection_id === 'string') {
      this.id = message.connection_id;
      this.setStatus('open');
    }
    for (const listener of this.listeners) listener(message);
  }

  private scheduleReconnect(): void {
    if (!this.running) {
      this.setStatus('closed');
      return;
    }
    this.setStatus('reconnecting');
    const delay = this.backoffDelay(this.attempt);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.reconnectTimer = null;
    this.pingTimer = null;
  }

  private setStatus(status: SocketStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.options.onStatus?.(status);
  }
}
