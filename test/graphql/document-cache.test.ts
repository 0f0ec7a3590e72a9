import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../../src/compiled/document-cache.js';

const schema = buildSchema('type Query { a: Int b: Int c: Int d: Int }');
const learn = (cache: DocumentCache, field: string) => cache.learn(field, parse(`{ ${field} }`), undefined);

/** The compiled path's documents: queries only, the most recently used `capacity` of them. */
describe('DocumentCache', () => {
  it('keeps the most recently used documents and evicts the least recently used one', () => {
    const cache = new DocumentCache(schema, 2);
    expect(learn(cache, 'a')).toBe(true);
    expect(learn(cache, 'b')).toBe(true);
    cache.get('a');
    learn(cache, 'c'); // b is the least recently used
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    cache.get('a');
    cache.get('c');
    learn(cache, 'd'); // a was used before c
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('learns queries only, once', () => {
    const cache = new DocumentCache(schema, 10);
    expect(cache.learn('m', parse('mutation { a }'), undefined)).toBe(false);
    expect(cache.learn('q', parse('query Q { a }'), 'Q')).toBe(true);
    expect(cache.learn('q', parse('query Q { a }'), 'Q')).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.get('q')?.operationName).toBe('Q');
  });
});
