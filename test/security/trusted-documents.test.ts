import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrustedDocuments } from '../../src/auth/trusted-documents.js';
import { ConfigError } from '../../src/config.js';

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
    ['[]', /is not a JSON object/],
    ['{}', /lists no documents/],
    ['{not json', /not valid JSON/],
    [JSON.stringify({ 'not-a-hash': 'query { a }' }), /not "<hex hash>": "<document>" \(at "not-a-hash"\)/],
    [JSON.stringify({ ['c'.repeat(64)]: 42 }), /not "<hex hash>"/],
  ])('refuses %s with one prescriptive line', (content, message) => {
    expect(() => loadTrustedDocuments(manifest(content))).toThrow(ConfigError);
    expect(() => loadTrustedDocuments(manifest(content))).toThrow(message);
    expect(() => loadTrustedDocuments(manifest(content))).toThrow(/Fix: point GATEWAY_TRUSTED_DOCUMENTS/);
  });

  it('names a missing file by its error code', () => {
    expect(() => loadTrustedDocuments('/nonexistent/persisted-documents.json')).toThrow(/ENOENT/);
  });
});
