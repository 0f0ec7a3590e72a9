import { describe, expect, it } from 'vitest';
import { BoundedLabel, GRAPHQL_NAME } from '../../src/metrics/bounded-label.js';
import { resultCode, statusCode } from '../../src/metrics/result-code.js';
import { requestIdFrom } from '../../src/pipeline/request-id.js';

describe('operation-name bucketing', () => {
  it('keeps known names and the first distinct names, then counts the rest as other', () => {
    const names = new BoundedLabel({ pattern: GRAPHQL_NAME, known: ['TokenStatus'], maxLearned: 2 });
    expect(names.label('TokenStatus')).toBe('TokenStatus');
    expect(names.label('First')).toBe('First');
    expect(names.label('Second')).toBe('Second');
    expect(names.label('Third')).toBe('other');
    // Already admitted names stay admitted, known ones never count against the bound.
    expect(names.label('First')).toBe('First');
    expect(names.label('TokenStatus')).toBe('TokenStatus');
  });

  it('refuses names that are not GraphQL names, without spending the budget on them', () => {
    const names = new BoundedLabel({ pattern: GRAPHQL_NAME, maxLearned: 1 });
    expect(names.label('has space')).toBe('other');
    expect(names.label('x'.repeat(65))).toBe('other');
    expect(names.label('"} 1\nfake_metric')).toBe('other');
    expect(names.label('Valid_1')).toBe('Valid_1');
  });

  it('uses the given overflow value and rejects a negative budget', () => {
    expect(new BoundedLabel({ pattern: /^a$/, overflow: 'unknown', maxLearned: 0 }).label('a')).toBe(
      'unknown',
    );
    expect(() => new BoundedLabel({ pattern: /./, maxLearned: -1 })).toThrow(/maxLearned/);
  });
});

describe('request ids', () => {
  const generate = () => 'generated';
  it.each([
    ['abc-123', 'abc-123'],
    ['0af7651916cd43dd8448eb211c80319c', '0af7651916cd43dd8448eb211c80319c'],
    ['  trace.id:7  ', 'trace.id:7'],
    ['01HZY3V4Q4C7X5W2JX1K8G9ABC', '01HZY3V4Q4C7X5W2JX1K8G9ABC'],
  ])('keeps the sane id %j', (header, expected) => {
    expect(requestIdFrom(header, generate)).toBe(expected);
  });

  it.each([
    [null],
    [''],
    ['has space'],
    ['line\nbreak'],
    ['{"json":1}'],
    ['-leading-dash'],
    ['a'.repeat(65)],
  ])('replaces %j with a generated one', (header) => {
    expect(requestIdFrom(header, generate)).toBe('generated');
  });

  it('generates UUIDs by default', () => {
    expect(requestIdFrom(undefined)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('result codes', () => {
  it('is ok without errors and the first error code otherwise', () => {
    expect(resultCode({ data: { a: 1 } })).toBe('ok');
    expect(resultCode({ data: null, errors: [] })).toBe('ok');
    expect(
      resultCode({
        errors: [
          { message: 'x', extensions: { code: 'UNKNOWN_APP' } },
          { message: 'y', extensions: { code: 'B' } },
        ],
      }),
    ).toBe('UNKNOWN_APP');
    expect(resultCode([{ errors: [{ message: 'x', extensions: { code: 'FORBIDDEN' } }] }])).toBe('FORBIDDEN');
    expect(resultCode({ errors: [{ message: 'no code' }] })).toBe('INTERNAL_SERVER_ERROR');
  });

  it('names refusals without a result by their HTTP status', () => {
    expect(statusCode(200)).toBe('ok');
    expect(statusCode(413)).toBe('PAYLOAD_TOO_LARGE');
    expect(statusCode(429)).toBe('RATE_LIMITED');
    expect(statusCode(418)).toBe('BAD_REQUEST');
    expect(statusCode(503)).toBe('INTERNAL_SERVER_ERROR');
  });
});
