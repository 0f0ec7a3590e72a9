import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A forwarding HTTP proxy in front of the sandbox that announces each request as it arrives, so a test
 * resumes on the event "this replica is now calling WeChat" instead of polling the sandbox's counters.
 * A call `hold` names is kept waiting without an answer (WeChat delaying its answer) until its caller
 * goes away; every other call is forwarded, and aborted if its caller goes away first.
 */
export interface UpstreamGate {
  url: string;
  /** The next `times` calls for `path` get no answer, ever: their caller waits until it gives up or dies. */
  hold(path: string, times?: number): void;
  /** Requests for `path` that arrived so far, held ones included. */
  count(path: string): number;
  /** Calls `listener` with each request's path as it arrives (before it is forwarded). */
  onArrival(listener: (path: string) => void): void;
  /** Resolves when the `count`-th request for `path` (since the gate started) has arrived. */
  arrived(path: string, count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startUpstreamGate(target: string): Promise<UpstreamGate> {
  const arrivals = new Map<string, number>();
  const waiters = new Set<() => void>();
  const listeners: ((path: string) => void)[] = [];
  const held = new Map<string, number>();
  const server = createServer((incoming, outgoing) => {
    const path = new URL(incoming.url ?? '/', 'http://gate').pathname;
    arrivals.set(path, (arrivals.get(path) ?? 0) + 1);
    for (const listener of listeners) listener(path);
    for (const wake of [...waiters]) wake();
    const holding = held.get(path) ?? 0;
    if (holding > 0) {
      held.set(path, holding - 1);
      incoming.resume();
      return;
    }
    const forwarded = httpRequest(
      new URL(incoming.url ?? '/', target),
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    // The response closes when it is sent or when the client went away (its process killed).
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) forwarded.destroy();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold: (path, times = 1) => void held.set(path, (held.get(path) ?? 0) + times),
    count: (path) => arrivals.get(path) ?? 0,
    onArrival: (listener) => void listeners.push(listener),
    arrived(path, count = 1) {
      return new Promise<void>((resolve) => {
        const check = () => {
          if ((arrivals.get(path) ?? 0) < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
