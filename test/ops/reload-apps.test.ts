import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { diffApps, reloadApps } from '../../src/lifecycle/reload-apps.js';
import { captureLogs } from './support/log-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'wxgw-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = (n: number, secret = `${n}`.repeat(32).slice(0, 32)): AppConfig => ({
  appId: `wx${String(n).padStart(16, '0')}`,
  appSecret: secret,
  name: `app ${n}`,
  tokenMode: 'stable',
});

function writeApps(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('diffApps', () => {
  it('names added, removed and changed apps by appId', () => {
    const before = [app(1), app(2), app(3)];
    const after = [app(1), { ...app(2), appSecret: 'e'.repeat(32) }, app(4)];
    expect(diffApps(before, after)).toEqual({
      added: [app(4).appId],
      removed: [app(3).appId],
      changed: [app(2).appId],
    });
    expect(diffApps(before, before)).toEqual({ added: [], removed: [], changed: [] });
  });

  it.each([
    ['appSecret', { appSecret: 'e'.repeat(32) }],
    ['name', { name: 'renamed' }],
    ['tokenMode', { tokenMode: 'classic' as const }],
    ['jsSdkDomains', { jsSdkDomains: ['shop.example.com'] }],
  ])('counts an edit of %s alone as a change', (_setting, edit) => {
    const withDomains = { ...app(1), jsSdkDomains: ['a.example.com'] };
    expect(diffApps([withDomains], [{ ...withDomains, ...edit }]).changed).toEqual([app(1).appId]);
    expect(diffApps([withDomains], [{ ...withDomains, jsSdkDomains: ['a.example.com'] }]).changed).toEqual(
      [],
    );
  });
});

describe('reloadApps', () => {
  function harness(initial: AppConfig[]) {
    let current = initial;
    const outcomes: string[] = [];
    const logs = captureLogs();
    return {
      logs,
      outcomes,
      get current() {
        return current;
      },
      options: (path: string, apply?: (apps: AppConfig[]) => Promise<void>) => ({
        path,
        defaultMode: 'stable' as const,
        current: () => current,
        apply:
          apply ??
          (async (apps: AppConfig[]) => {
            current = apps;
          }),
        logger: logs.logger,
        onOutcome: (outcome: string) => outcomes.push(outcome),
      }),
    };
  }

  it('puts a valid file in force and logs what changed, without secrets', async () => {
    const h = harness([app(1), app(2)]);
    const path = writeApps('good.json', [
      { appId: app(1).appId, appSecret: app(1).appSecret, name: 'app 1' },
      { appId: app(3).appId, appSecret: app(3).appSecret, name: 'app 3', tokenMode: 'classic' },
    ]);
    expect(await reloadApps(h.options(path))).toBe(true);
    expect(h.current.map((a) => a.appId)).toEqual([app(1).appId, app(3).appId]);
    expect(h.current[1]?.tokenMode).toBe('classic');
    expect(h.outcomes).toEqual(['ok']);
    expect(h.logs.lines).toHaveLength(1);
    expect(h.logs.lines[0]).toMatchObject({
      msg: 'apps file reloaded',
      apps: 2,
      added: [app(3).appId],
      removed: [app(2).appId],
      changed: [],
    });
    expect(h.logs.raw()).not.toContain(app(3).appSecret);
  });

  it.each([
    ['not JSON', '[{"appId": ', /not valid JSON/],
    ['a bad secret', [{ appId: 'wx0000000000000009', appSecret: 'short' }], /invalid at 0\.appSecret/],
    ['an empty list', [], /at least one app/],
  ])('keeps the previous apps when the file is %s, and logs one line saying why', async (_, content, why) => {
    const h = harness([app(1)]);
    const path = writeApps(`bad-${Math.random()}.json`, content);
    expect(await reloadApps(h.options(path))).toBe(false);
    expect(h.current).toEqual([app(1)]);
    expect(h.outcomes).toEqual(['error']);
    expect(h.logs.lines).toHaveLength(1);
    expect(h.logs.lines[0]).toMatchObject({ level: 50 });
    expect(String(h.logs.lines[0]?.err)).toMatch(why);
    expect(h.logs.raw().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('keeps the previous apps when the file has vanished', async () => {
    const h = harness([app(1)]);
    expect(await reloadApps(h.options(join(dir, 'missing.json')))).toBe(false);
    expect(String(h.logs.lines[0]?.err)).toMatch(/cannot read .*ENOENT/);
  });

  it('does not apply an unchanged file', async () => {
    const h = harness([app(1)]);
    const path = writeApps('same.json', [
      { appId: app(1).appId, appSecret: app(1).appSecret, name: 'app 1' },
    ]);
    let applied = 0;
    expect(
      await reloadApps(
        h.options(path, async () => {
          applied++;
        }),
      ),
    ).toBe(true);
    expect(applied).toBe(0);
    expect(h.logs.lines[0]?.msg).toBe('apps file reloaded: no change');
  });

  it('reports a failure to apply, with known secrets redacted', async () => {
    const h = harness([app(1)]);
    const path = writeApps('apply-fails.json', [{ appId: app(5).appId, appSecret: app(5).appSecret }]);
    const ok = await reloadApps(
      h.options(path, async (apps) => {
        throw new Error(`cannot build manager for ${apps[0]?.appSecret}`);
      }),
    );
    expect(ok).toBe(false);
    expect(h.outcomes).toEqual(['error']);
    expect(h.logs.raw()).not.toContain(app(5).appSecret);
  });
});
