import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/scopes.js';
import { schema } from '../../src/graphql/schema/index.js';

/** The repository explains itself: no pointer to files it does not hold, and the map names the contracts. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : [path];
  });
}

describe('docs', () => {
  it('are never pointed at files outside the repository', () => {
    // Built from parts, so this file does not name them itself.
    const outside = [
      ['DESIGN', 'md'].join('.'),
      ['wechat-errcodes', 'md'].join('.'),
      ['..', 'shared/'].join('/'),
    ];
    const texts = [
      ...files('src'),
      ...files('test'),
      ...files('docs'),
      'README.md',
      'CONTRIBUTING.md',
    ].filter((path) => /\.(ts|md)$/.test(path));
    expect(texts.length).toBeGreaterThan(100);
    const hits = texts.flatMap((path) => {
      const text = read(path);
      return outside.filter((needle) => text.includes(needle)).map((needle) => `${path}: ${needle}`);
    });
    expect(hits).toEqual([]);
  });

  it('name every schema root field in docs/architecture.md', () => {
    const architecture = read('docs/architecture.md');
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap(
      (type) => (type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : []),
    );
    expect(roots.length).toBeGreaterThan(8);
    expect(roots.filter((root) => !architecture.includes(`\`${root}\``))).toEqual([]);
  });

  it('point at files that exist', () => {
    const pages = ['docs/architecture.md', 'CONTRIBUTING.md'];
    const missing = pages.flatMap((page) =>
      [...read(page).matchAll(/`((?:src|test|scripts)\/[\w./-]+\.ts)`/g)]
        .map((match) => match[1] as string)
        .filter((path) => !files(path.split('/').slice(0, -1).join('/')).includes(path))
        .map((path) => `${page}: ${relative('.', path)}`),
    );
    expect(missing).toEqual([]);
  });

  it('list every scope with the fields it allows: the schema description, docs/security.md and the README', () => {
    // From the schema itself: each field's authScopes (Pothos keeps them in the field's extensions).
    const allows = new Map<string, string[]>(SCOPES.map((scope) => [scope, []]));
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const options = field.extensions?.pothosOptions as
          | { authScopes?: Record<string, boolean> }
          | undefined;
        for (const scope of Object.keys(options?.authScopes ?? {})) allows.get(scope)?.push(field.name);
      }
    }
    expect(allows.get('jssdk:sign')).toEqual(expect.arrayContaining(['jsSdkConfig', 'cardSignature']));
    const description = schema.description ?? '';
    const security = read('docs/security.md');
    const readme = read('README.md');
    const scopesParagraph = readme.slice(
      readme.indexOf('### Scopes'),
      readme.indexOf('\n## ', readme.indexOf('### Scopes')),
    );
    const missing: string[] = [];
    for (const [scope, fields] of allows) {
      // In the description, a scope's clause runs from its name to the next scope's name or the sentence's end.
      const start = description.indexOf(`\`${scope}\``);
      const ends = [
        ...SCOPES.filter((other) => other !== scope).map((other) =>
          description.indexOf(`\`${other}\``, start + 1),
        ),
        description.indexOf('.\n', start),
      ];
      const clause =
        start < 0
          ? ''
          : description.slice(start, Math.min(...ends.filter((end) => end > start), description.length));
      const row = security.split('\n').find((line) => line.startsWith(`| \`${scope}\``)) ?? '';
      for (const field of fields) {
        if (!clause.includes(`\`${field}\``)) missing.push(`schema description: ${scope} ${field}`);
        if (!row.includes(`\`${field}\``) && !row.includes(`\`TokenStatus.${field}\``))
          missing.push(`docs/security.md: ${scope} ${field}`);
        if (
          !scopesParagraph.includes(`\`${field}\``) &&
          !scopesParagraph.includes(`\`TokenStatus.${field}\``)
        )
          missing.push(`README Scopes: ${scope} ${field}`);
      }
      if (!scopesParagraph.includes(`\`${scope}\``)) missing.push(`README Scopes: ${scope}`);
    }
    expect(missing).toEqual([]);
  });
});
