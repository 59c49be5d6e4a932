/** A recording fetch double: answers queued responses in order and records every request. */
export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface FetchDouble {
  fetch: typeof fetch;
  requests: RecordedRequest[];
  respond(status: number, body: unknown): void;
  fail(): void;
}

export function fetchDouble(): FetchDouble {
  const requests: RecordedRequest[] = [];
  const queue: (() => Response)[] = [];
  const impl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    requests.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const next = queue.shift();
    if (!next) throw new Error(`unexpected request to ${String(input)}`);
    return next();
  };
  return {
    fetch: impl as typeof fetch,
    requests,
    respond(status, body) {
      queue.push(() => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
    },
    fail() {
      queue.push(() => {
        throw new TypeError('Failed to fetch');
      });
    },
  };
}
