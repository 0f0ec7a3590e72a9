import { afterAll, beforeAll, expect, it } from 'vitest';
import { answersByPhase } from '../support/answers.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * A cold burst of one document: Yoga runs it once, and the requests that arrive during that first run
 * wait for its verdict and run compiled (src/pipeline/compiled-phase.ts), rather than each taking
 * Yoga's path.
 */

let stack: TestGateway;
beforeAll(async () => {
  stack = await startTestGateway({ env: { CALLBACK_IPS_TTL_SECONDS: '0' } });
});
afterAll(() => stack?.close());

const send = (query: string) =>
  stack.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });

it('20 concurrent first-seen requests: one Yoga run, nineteen compiled answers, one WeChat call', async () => {
  await stack.sandbox.setFault({ kind: 'latency', ms: 50, endpoint: '/cgi-bin/getcallbackip', times: 1 });
  const before = await answersByPhase(stack.metrics);
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => send('query Burst { callbackIps { ips } }')),
  );
  const bodies = await Promise.all(answers.map((answer) => answer.json()));
  const after = await answersByPhase(stack.metrics);
  expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
  expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
  expect(after.yoga - before.yoga).toBe(1);
  expect(after.compiled - before.compiled).toBe(19);
  expect((await stack.sandbox.counters())['/cgi-bin/getcallbackip']).toBe(1);
});

it('requests waiting on a first run Yoga refuses go to Yoga, each refused in its own words', async () => {
  const before = await answersByPhase(stack.metrics);
  const answers = await Promise.all(Array.from({ length: 5 }, () => send('query Bad { nope }')));
  const after = await answersByPhase(stack.metrics);
  const codes = await Promise.all(
    answers.map(async (answer) => (await answer.json()).errors[0].extensions.reason),
  );
  expect(codes).toEqual(Array(5).fill('GRAPHQL_VALIDATION_FAILED'));
  expect(after.yoga - before.yoga).toBe(5);
  expect(after.compiled - before.compiled).toBe(0);
});

it('a mutation is never compiled: requests waiting on its first run each go to Yoga', async () => {
  const before = await answersByPhase(stack.metrics);
  const answers = await Promise.all(
    Array.from({ length: 3 }, () => send('mutation Renew { refreshToken { state } }')),
  );
  const after = await answersByPhase(stack.metrics);
  expect(answers.every((answer) => answer.status === 200)).toBe(true);
  expect(after.yoga - before.yoga).toBe(3);
});

it('a document sent once is never compiled; sent again, it is compiled once', async () => {
  const compilations = async () =>
    (
      await stack.metrics.registry.getSingleMetric('wxgw_graphql_documents_compiled_total')?.get()
    )?.values.find((value) => value.labels.outcome === 'compiled')?.value ?? 0;
  const before = await compilations();
  const first = await send('query Once { tokenStatus { state } }');
  expect(first.status).toBe(200);
  expect(await compilations()).toBe(before);
  const phases = await answersByPhase(stack.metrics);
  const again = await send('query Once { tokenStatus { state } }');
  expect(again.status).toBe(200);
  expect((await answersByPhase(stack.metrics)).compiled - phases.compiled).toBe(1);
  expect(await compilations()).toBe(before + 1);
});
