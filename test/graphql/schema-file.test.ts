import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSDL } from '../../src/graphql/print-sdl.js';

describe('schema/schema.graphql', () => {
  const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

  it('matches the schema built from the code', () => {
    if (committed !== printSDL()) {
      expect.fail('schema/schema.graphql is out of date: run npm run schema:print (then npm run codegen)');
    }
  });

  it('declares the contract’s DateTime scalar with @specifiedBy', () => {
    expect(committed).toContain(
      'scalar DateTime @specifiedBy(url: "https://scalars.graphql.org/andimarek/date-time")',
    );
  });

  it('keeps the contract’s root fields and non-null shapes', () => {
    expect(committed).toMatch(/tokenStatus\(\s*"""[\s\S]*?"""\s*appId: ID\s*\): TokenStatus!/);
    expect(committed).toMatch(/callbackIps\(\s*"""[\s\S]*?"""\s*appId: ID\s*\): CallbackIps!/);
    expect(committed).toMatch(/force: Boolean = false\s*\): TokenStatus!/);
    expect(committed).toMatch(/enum TokenState \{[\s\S]*EXPIRED[\s\S]*EXPIRING[\s\S]*FRESH[\s\S]*MISSING/);
  });

  it('describes the schema, every type and field', () => {
    // The schema block (root operation types) follows the schema's own description.
    const schemaBlock = /^schema \{[^}]*\}\n/m.exec(committed);
    expect(committed.slice(0, schemaBlock?.index).trimEnd()).toMatch(/wxtoken-gateway[\s\S]*"""$/);
    const types = committed.replace(/^schema \{[^}]*\}\n/m, '');
    const definitions = [
      ...types.matchAll(/^(?: {2}| {4})?(?:type |enum |scalar )?(\w+)(?:\(|:| \{| @|$)/gm),
    ];
    const undocumented = definitions
      .filter((m) => !types.slice(0, m.index).trimEnd().endsWith('"""'))
      .map((m) => m[0].trim());
    expect(definitions.length).toBeGreaterThan(30);
    expect(undocumented).toEqual([]);
  });
});
