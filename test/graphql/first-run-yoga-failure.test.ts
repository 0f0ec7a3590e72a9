import { describe, expect, it } from 'vitest';
import type { CompiledPhase } from '../../src/pipeline/compiled-phase.js';
import type { Exchange } from '../../src/pipeline/exchange.js';
import type { FetchServer } from '../../src/pipeline/pipeline.js';
import { injectFetch } from '../support/inject.js';
import { standInPipeline } from '../support/stand-in-pipeline.js';

/**
 * A first run handed to Yoga that fails: the pipeline answers the masked 500 and tells the compiled
 * phase the run is over, so requests waiting on that run's verdict go on (src/pipeline/pipeline.ts,
 * `toYoga`), whether Yoga throws at once or its promise rejects. Yoga and the compiled phase are
 * stand-ins: the pipeline's handing over is the subject.
 */
function pipelineOver(yoga: FetchServer) {
  const settled: Exchange[] = [];
  const compiled: CompiledPhase = {
    // Every document is a first run: left to Yoga, keyed so the phase waits for its verdict.
    answer(exchange) {
      exchange.documentKey = 'q\0\0{ a }';
      return false;
    },
    plugin: {},
    settled(exchange) {
      settled.push(exchange);
    },
  };
  const pipeline = standInPipeline({ yoga, compiled });
  return { fetch: injectFetch(pipeline.handle), settled };
}

describe('a first run Yoga fails', () => {
  it.each([
    [
      'throws at once',
      (): never => {
        throw new Error('yoga failed at once');
      },
    ],
    ['rejects', () => Promise.reject(new Error('yoga failed later'))],
  ])(
    '%s: the masked 500 with its request id, and the compiled phase hears the run ended',
    async (_, fail) => {
      const { fetch, settled } = pipelineOver({ handleNodeRequestAndResponse: fail });
      const answer = await fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ a }' }),
      });
      expect(answer.status).toBe(500);
      const body = await answer.json();
      expect(body.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retryable: false });
      expect(JSON.stringify(body)).not.toContain('yoga failed');
      expect(settled).toHaveLength(1);
      expect(answer.headers.get('x-request-id')).toBe(settled[0]?.requestId.id);
    },
  );
});
