import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrustedDocuments } from '../../src/config/files.js';
import { ConfigError } from '../../src/config/index.js';

function manifest(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wxgw-trusted-')), 'persisted-documents.json');
  writeFileSync(path, content);
  return path;
}

describe('loadTrustedDocuments', () => {
  it('reads the codegen manifest (hash → document), with or without the sha256: prefix', () => {
    const documents = loadTrustedDocuments(
      manifest(
        JSON.stringify({ ['a'.repeat(64)]: 'query A { a }', [`sha256:${'b'.repeat(64)}`]: 'query B { b }' }),
      ),
    );
    expect([...documents]).toEqual([
      ['a'.repeat(64), 'query A { a }'],
      ['b'.repeat(64), 'query B { b }'],
    ]);
  });

  it.each([
    ['[]', /is invalid/],
    ['{}', /expected at least one document/],
    ['{not json', /is not valid JSON/],
    [JSON.stringify({ 'not-a-hash': 'query { a }' }), /invalid at not-a-hash: expected "<hex hash>" keys/],
    [JSON.stringify({ ['c'.repeat(64)]: 42 }), /is invalid at c+/],
    [JSON.stringify({ ['c'.repeat(64)]: '  ' }), /expected the document text/],
  ])('refuses %s with one prescriptive line', (content, message) => {
    const attempt = () => loadTrustedDocuments(manifest(content));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^GATEWAY_TRUSTED_DOCUMENTS: .*Fix: point it at the persisted-documents.json/);
  });

  it('names a missing file by its error code', () => {
    expect(() => loadTrustedDocuments('/nonexistent/persisted-documents.json')).toThrow(/ENOENT/);
  });
});
