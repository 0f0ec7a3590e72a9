import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_CSP } from '../../src/graphql/graphiql.js';
import { TokenStatusDocument } from '../gql/graphql.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import {
  FAST_PHASES,
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

/**
 * A trusted document is compiled under its id when Yoga first runs it, and answered by the compiled
 * phase (or the answer cache) from then on, with the same answer; query text and unknown ids are Yoga's
 * to refuse each time, even for the text of a document the phase has compiled under its id.
 */
describe('production gateway with GATEWAY_TRUSTED_DOCUMENTS', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({ GATEWAY_TRUSTED_DOCUMENTS: MANIFEST }, 1);
  });
  afterAll(() => gw.close());

  it('runs a generated document by its id, with or without the sha256: prefix', async () => {
    const id = documentIdOf(TokenStatusDocument);
    for (const documentId of [id, id.replace(/^sha256:/, '')]) {
      const { first: answer, repeated } = await gw.postTwice({ documentId }, { key: KEYS.reader });
      expect([answer.phase, repeated.phase]).toEqual(['yoga', expect.toBeOneOf([...FAST_PHASES])]);
      expect(answer.json.errors).toBeUndefined();
      expect(answer.json.data.tokenStatus.appId).toBe(gw.sandbox.app.appId);
    }
  });

  it('answers PERSISTED_QUERY_NOT_FOUND for an unknown id and FORBIDDEN for query text', async () => {
    const unknown = await gw.postTwice({ documentId: `sha256:${'0'.repeat(64)}` }, { key: KEYS.reader });
    expect([unknown.first.phase, unknown.repeated.phase]).toEqual(['yoga', 'yoga']);
    expect(unknown.first.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    for (const query of ['{ tokenStatus { state } }', print(TokenStatusDocument)]) {
      const { first: text, repeated } = await gw.postTwice({ query }, { key: KEYS.reader });
      expect([text.phase, repeated.phase]).toEqual(['yoga', 'yoga']);
      expect(text.status).toBe(403);
      expect(text.json.errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('still checks the key first', async () => {
    const answer = await gw.post({ documentId: documentIdOf(TokenStatusDocument) });
    expect(answer.phase).toBe('none');
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
    replicas.push(await startProductionGateway(env, 1), await startProductionGateway(env, 1));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await deleteKeysUnder(redisUrl, prefix);
  });

  it('draw one key from one budget, whichever replica answers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const replica = replicas[i % 2] as ProductionGateway;
      const answer = await replica.post({ query: '{ __typename }' }, { key: KEYS.reader });
      statuses.push(answer.status);
      // One budget for every phase: each replica's first run is Yoga's, then its compiled phase's
      // (or the answer cache's); a refusal is admission's, before any phase.
      const phase = answer.status !== 200 ? 'none' : i < 2 ? 'yoga' : expect.toBeOneOf([...FAST_PHASES]);
      expect(answer.phase).toEqual(phase);
    }
    // Six in the burst (at most one more refilled meanwhile), then 429 on both replicas.
    expect(statuses.slice(0, 6)).toEqual(Array(6).fill(200));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.at(-1)).toBe(429);
  });
});
