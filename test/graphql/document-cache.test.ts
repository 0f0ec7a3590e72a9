import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../../src/compiled/document-cache.js';

const schema = buildSchema('type Query { a: Int b: Int c: Int d: Int }');
const add = (cache: DocumentCache, field: string) => cache.add(field, parse(`{ ${field} }`), undefined);

/** The compiled phase's documents: queries only, the most recently used `capacity` of them. */
describe('DocumentCache', () => {
  it('keeps the most recently used documents and evicts the least recently used one', () => {
    const cache = new DocumentCache(schema, { capacity: 2 });
    expect(add(cache, 'a')).toBe(true);
    expect(add(cache, 'b')).toBe(true);
    cache.get('a');
    add(cache, 'c'); // b is the least recently used
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    cache.get('a');
    cache.get('c');
    add(cache, 'd'); // a was used before c
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('keeps queries only, once', () => {
    const cache = new DocumentCache(schema, { capacity: 10 });
    expect(cache.add('m', parse('mutation { a }'), undefined)).toBe(false);
    expect(cache.add('q', parse('query Q { a }'), 'Q')).toBe(true);
    expect(cache.add('q', parse('query Q { a }'), 'Q')).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.get('q')?.operationName).toBe('Q');
  });

  it('compiles a document when it first runs again, once', () => {
    const cache = new DocumentCache(schema, { capacity: 10 });
    add(cache, 'a');
    const first = cache.get('a');
    expect(first).toBeDefined();
    expect(cache.get('a')).toBe(first);
  });
});
