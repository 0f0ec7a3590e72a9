import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
});
