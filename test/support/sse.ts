/**
 * A minimal GraphQL-over-SSE client for tests (the "distinct connections" mode Yoga speaks): one POST
 * with `accept: text/event-stream`, messages read as they arrive, closed by aborting the request.
 */
export interface SseMessage {
  event: string;
  /** The raw `data:` text, so a test can check what went over the wire. */
  data: string;
}

export interface SseSubscription {
  status: number;
  contentType: string | null;
  /** The next message; rejects after `timeoutMs` or when the stream ends first. */
  next(timeoutMs?: number): Promise<SseMessage>;
  /** How the stream ended: `complete` (the server finished it), `closed` (we did), `cut` (the connection broke). */
  ended: Promise<'complete' | 'closed' | 'cut'>;
  /** Disconnects, as a client that goes away would. */
  close(): void;
}

export async function subscribeSse(
  url: string,
  body: { query: string; variables?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<SseSubscription> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const queue: SseMessage[] = [];
  const waiters: Array<() => void> = [];
  let done = false;
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };

  const ended = (async (): Promise<'complete' | 'closed' | 'cut'> => {
    const decoder = new TextDecoder();
    let buffered = '';
    const reader = response.body?.getReader();
    try {
      for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
        buffered += decoder.decode(read.value, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const message = parseBlock(block);
          if (message) queue.push(message);
        }
        wake();
      }
      return 'complete';
    } catch {
      return abort.signal.aborted ? 'closed' : 'cut';
    } finally {
      done = true;
      wake();
    }
  })();

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    async next(timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = queue.shift();
        if (message) return message;
        if (done) throw new Error('the SSE stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE message within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    ended,
    close: () => abort.abort(),
  };
}

/** One SSE message block; comment-only blocks (keep-alive pings) are none. */
function parseBlock(block: string): SseMessage | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length > 0 || event !== 'message' ? { event, data: data.join('\n') } : undefined;
}
