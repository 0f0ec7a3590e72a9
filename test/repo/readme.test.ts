import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config/index.js';
import { SETTINGS } from '../../src/config/settings.js';
import { printSettingsTable, TABLE_END, TABLE_START } from '../../src/config/settings-doc.js';

/** The README is how a newcomer runs and configures the gateway: it must not drift from the code. */

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');

/** The rows of the README's configuration table: variable names of a row → its default cell. */
function configurationTable(): Map<string, string> {
  const section = readme.slice(readme.indexOf('## Configuration'));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 5 || !cells[1]?.startsWith('`')) continue;
    for (const [, name] of cells[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g))
      rows.set(name as string, cells[3] ?? '');
  }
  return rows;
}

describe('README.md', () => {
  const table = configurationTable();

  it('lists every environment variable of the settings table in its configuration table', () => {
    const variables = Object.keys(SETTINGS);
    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((name) => !table.has(name))).toEqual([]);
  });

  it('holds the configuration table as `npm run docs:settings` prints it from the settings table', () => {
    const printed = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END));
    expect(printed.trim(), 'run npm run docs:settings').toBe(printSettingsTable());
  });

  it('states each constant default of the settings table in its row', () => {
    const constants = Object.entries(SETTINGS).flatMap(([name, setting]) =>
      setting.default === undefined || typeof setting.default === 'function'
        ? []
        : [[name, [setting.default].flat().join(',')] as const],
    );
    expect(constants.length).toBeGreaterThan(20);
    expect(constants.filter(([name, value]) => !table.get(name)?.includes(`\`${value}\``))).toEqual([]);
  });

  it('states the defaults loadConfig applies', () => {
    const defaults = loadConfig({});
    const shown: [string, (config: Config) => string | number][] = [
      ['PORT', (c) => c.port],
      ['HOST', (c) => c.host],
      ['WECHAT_TOKEN_MODE', (c) => c.wechat.tokenMode],
      ['WECHAT_API_BASE', (c) => c.wechat.baseUrls.join(',')],
      ['WECHAT_TIMEOUT_MS', (c) => c.wechat.timeoutMs],
      ['REDIS_KEY_PREFIX', (c) => c.redis.keyPrefix],
      ['TOKEN_REFRESH_MARGIN_SECONDS', (c) => c.token.refreshMarginSeconds],
      ['FORCE_REFRESH_COOLDOWN_SECONDS', (c) => c.token.forceRefreshCooldownSeconds],
      ['TOKEN_NEGATIVE_CACHE_SECONDS', (c) => c.token.negativeCacheSeconds],
      ['MAX_BODY_BYTES', (c) => c.graphql.maxBodyBytes],
      ['CALLBACK_IPS_TTL_SECONDS', (c) => c.graphql.callbackIpsTtlSeconds],
      ['RATE_LIMIT_REQUESTS_PER_SECOND', (c) => c.limits.rate.requestsPerSecond],
      ['RATE_LIMIT_REQUEST_BURST', (c) => c.limits.rate.requestBurst],
      ['REFRESH_LIMIT_PER_KEY_PER_MINUTE', (c) => c.limits.rate.refreshPerKeyPerMinute],
      ['REFRESH_LIMIT_PER_APP_PER_MINUTE', (c) => c.limits.rate.refreshPerAppPerMinute],
      ['GRAPHQL_MAX_DEPTH', (c) => c.limits.query.maxDepth],
      ['GRAPHQL_MAX_ALIASES', (c) => c.limits.query.maxAliases],
      ['GRAPHQL_MAX_DIRECTIVES', (c) => c.limits.query.maxDirectives],
      ['GRAPHQL_MAX_TOKENS', (c) => c.limits.query.maxTokens],
      ['GRAPHQL_MAX_COST', (c) => c.limits.query.maxCost],
      ['LOG_LEVEL', (c) => c.logLevel],
      ['SHUTDOWN_TIMEOUT_MS', (c) => c.shutdownTimeoutMs],
    ];
    const wrong = shown
      .map(([name, value]) => [name, String(value(defaults)), table.get(name) ?? ''] as const)
      .filter(([, value, cell]) => !cell.includes(`\`${value}\``));
    expect(wrong, 'variable, default in code, README cell').toEqual([]);
  });

  it('links every page under docs/', () => {
    const pages = readdirSync(new URL('../../docs/', import.meta.url)).filter((file) => file.endsWith('.md'));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.filter((page) => !readme.includes(`](docs/${page}`))).toEqual([]);
  });

  it('names every script of the runtime contract, and package.json has each', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const contract = ['dev', 'start', 'test', 'codegen', 'schema:print', 'bench', 'sandbox'];
    expect(contract.filter((name) => !scripts[name])).toEqual([]);
    expect(
      contract.filter(
        (name) => !readme.includes(`npm ${name === 'start' || name === 'test' ? '' : 'run '}${name}`),
      ),
    ).toEqual([]);
  });
});
