import { Agent } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answersByPhase } from '../support/answers.js';
import { rawRequest } from '../support/raw-http.js';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * The pipeline keeps the caller of each keep-alive connection (src/pipeline/caller.ts): a connection
 * that presents another key, or none, on its next request must be that caller then.
 */

const READER = 'callers-reader-0123456789';
const STATUS_ONLY = 'callers-status-0123456789';

let stack: TestGateway;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  stack = await startTestGateway({
    env: {
      ...PRODUCTION_ENV,
      GATEWAY_API_KEYS: `${READER}:token:read,${STATUS_ONLY}:wechat:admin`,
      RATE_LIMIT_REQUESTS_PER_SECOND: '10000',
    },
  });
  await stack.manager.getToken(stack.sandbox.app.appId);
});
afterAll(async () => {
  agent.destroy();
  await stack?.close();
});

/** POSTs over the one kept-alive socket; says whether the socket was reused. */
async function post(
  body: string,
  headers: Record<string, string>,
): Promise<{
  status: number;
  json: { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  reused: boolean;
}> {
  const answer = await rawRequest(stack.url, {
    agent,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: answer.status, json: JSON.parse(answer.text), reused: answer.reused };
}

it('answers each request on one connection as the key it presents, or refuses it without one', async () => {
  const query = `{ tokenStatus(appId: "${stack.sandbox.app.appId}") { accessToken } }`;
  const body = JSON.stringify({ query });
  // Yoga runs the document once; from then on the compiled phase answers it.
  expect((await post(body, { authorization: `Bearer ${READER}` })).status).toBe(200);
  const before = await answersByPhase(stack.metrics);

  const asReader = await post(body, { authorization: `Bearer ${READER}` });
  expect(asReader.status).toBe(200);
  expect(asReader.json.errors).toBeUndefined();

  const asStatusOnly = await post(body, { authorization: `Bearer ${STATUS_ONLY}` });
  expect(asStatusOnly.reused).toBe(true);
  expect(asStatusOnly.json.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);

  const viaHeader = await post(body, { 'x-api-key': READER });
  expect(viaHeader.reused).toBe(true);
  expect(viaHeader.json.errors).toBeUndefined();

  const anonymous = await post(body, {});
  expect(anonymous.reused).toBe(true);
  expect(anonymous.status).toBe(401);

  const again = await post(body, { authorization: `Bearer ${READER}` });
  expect(again.json.errors).toBeUndefined();
  // Every answer but the refusal (the pipeline's admission) came from the compiled phase or its cache.
  const after = await answersByPhase(stack.metrics);
  expect(after.yoga - before.yoga).toBe(0);
  expect(after.compiled + after.cache - before.compiled - before.cache).toBe(4);
});
