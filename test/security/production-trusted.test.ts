import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_CSP } from '../../src/graphql/graphiql.js';
import { TokenStatusDocument } from '../gql/graphql.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import {
  graphql,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

const MANIFEST = fileURLToPath(new URL('../gql/persisted-documents.json', import.meta.url));

/** The id the generated client sends for a document (`npm run codegen`, persistedDocuments). */
function documentIdOf(document: unknown): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('the generated document carries no hash: run npm run codegen');
  return hash;
}

describe('production gateway with GATEWAY_TRUSTED_DOCUMENTS', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({ GATEWAY_TRUSTED_DOCUMENTS: MANIFEST });
  });
  afterAll(() => gw.close());

  it('runs a generated document by its id', async () => {
    const answer = await graphql(
      gw.url,
      { documentId: documentIdOf(TokenStatusDocument) },
      { key: KEYS.reader },
    );
    expect(answer.json.errors).toBeUndefined();
    expect(answer.json.data.tokenStatus.appId).toBe(gw.sandbox.app.appId);
  });

  it('answers PERSISTED_QUERY_NOT_FOUND for an unknown id and FORBIDDEN for query text', async () => {
    const unknown = await graphql(gw.url, { documentId: `sha256:${'0'.repeat(64)}` }, { key: KEYS.reader });
    expect(unknown.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const text = await graphql(gw.url, { query: '{ tokenStatus { state } }' }, { key: KEYS.reader });
    expect(text.status).toBe(403);
    expect(text.json.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('still checks the key first', async () => {
    const answer = await graphql(gw.url, { documentId: documentIdOf(TokenStatusDocument) });
    expect(answer.status).toBe(401);
  });
});

describe('production gateway with GRAPHIQL=true', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({ GRAPHIQL: 'true' });
  });
  afterAll(() => gw.close());

  it('serves the self-hosted page under a CSP that allows scripts from this origin only', async () => {
    const response = await fetch(gw.url, { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(html).toMatch(/<html/i);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(GRAPHIQL_CSP);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/https?:/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});

describeRedis('two production replicas sharing Redis', () => {
  const prefix = randomPrefix();
  const replicas: ProductionGateway[] = [];
  beforeAll(async () => {
    const env = {
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_REQUESTS_PER_SECOND: '1',
      RATE_LIMIT_REQUEST_BURST: '6',
    };
    replicas.push(await startProductionGateway(env), await startProductionGateway(env));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await deleteKeysUnder(redisUrl, prefix);
  });

  it('draw one key from one budget, whichever replica answers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const replica = replicas[i % 2] as ProductionGateway;
      statuses.push((await graphql(replica.url, { query: '{ __typename }' }, { key: KEYS.reader })).status);
    }
    // Six in the burst (at most one more refilled meanwhile), then 429 on both replicas.
    expect(statuses.slice(0, 6)).toEqual(Array(6).fill(200));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.at(-1)).toBe(429);
  });
});
