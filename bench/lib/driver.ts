import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

/**
 * The load generator, in its own process (pinned to the core the servers do not use): one JSON line
 * per run on stdin, one JSON line with autocannon's figures on stdout.
 */

export interface LoadRequest {
  url: string;
  connections: number;
  /** Seconds; or `amount` requests in total. */
  duration?: number;
  amount?: number;
  headers: Record<string, string>;
  /** Every `__N__` in it is replaced by the request's own number: a document each request sends first. */
  body: string;
}

const EACH_REQUEST = '__N__';

export interface LoadResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** Numbers given so far, over every run of this process: a warm-up's documents are not a round's. */
let sent = 0;

/** A request whose body holds a number no request before it had, in this run or an earlier one. */
function numbered(body: string) {
  return {
    setupRequest(req: { body?: string }) {
      sent++;
      req.body = body.split(EACH_REQUEST).join(String(sent));
      return req;
    },
  };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const request = JSON.parse(line) as LoadRequest;
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    ...(request.amount ? { amount: request.amount } : { duration: request.duration ?? 1 }),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    ...(request.body.includes(EACH_REQUEST) && { requests: [numbered(request.body)] }),
  });
  const answer: LoadResult = {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
