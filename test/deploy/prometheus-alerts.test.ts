import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { collectLiveMetrics, type LiveMetrics } from './support/live-metrics.js';
import { headingAnchors } from './support/markdown.js';
import { missingFrom } from './support/promql.js';
import { toolPlan, warnSkipped, which } from './support/tool-plan.js';

/** deploy/prometheus/alerts.yml: valid for promtool, unit-tested, linked to the runbook, and on real metrics. */

const run = promisify(execFile);
const file = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const RULES = file('deploy/prometheus/alerts.yml');
const RULE_TESTS = file('deploy/prometheus/alerts.test.yml');

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (group) => group.rules,
);
const alerts = rules.filter((rule) => rule.alert);

const plan = toolPlan('promtool', which('promtool'), 'apt-get install prometheus', process.env);
warnSkipped(plan);

describe.skipIf(!plan.run && !plan.fail)('promtool', () => {
  beforeAll(() => {
    if (!plan.run) throw new Error(plan.reason);
  });

  it('checks the rules', async () => {
    const { stdout } = await run(plan.run ? plan.path : 'promtool', ['check', 'rules', RULES]);
    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('passes the rules’ unit tests', async () => {
    const { stdout } = await run(plan.run ? plan.path : 'promtool', ['test', 'rules', RULE_TESTS]);
    expect(stdout).toContain('SUCCESS');
  });
});

describe('the alert rules', () => {
  let live: LiveMetrics;
  beforeAll(async () => {
    live = await collectLiveMetrics();
  }, 60_000);

  it('cover what the operators asked for', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'WxgwComponentVerifyTicketStale',
      'WxgwNoReplicaReady',
      'WxgwQuotaCircuitOpen',
      'WxgwReplicaNotReady',
      'WxgwStoreDegraded',
      'WxgwTokenExpiringWithoutRenewal',
      'WxgwTokenRenewalsFailing',
      'WxgwUpstreamErrorRatioHigh',
    ]);
  });

  it('each have a severity, a summary and a runbook_url whose anchor exists in docs/runbook.md', () => {
    const anchors = headingAnchors(readFileSync(file('docs/runbook.md'), 'utf8'));
    for (const alert of alerts) {
      expect(['critical', 'warning'], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      const url = alert.annotations?.runbook_url ?? '';
      const anchor = /^docs\/runbook\.md#([a-z0-9-]+)$/.exec(url)?.[1];
      expect(anchor, `${alert.alert}: ${url}`).toBe(alert.alert?.toLowerCase());
      expect(anchors, `${alert.alert}: ${url}`).toContain(anchor);
    }
  });

  it('point into a runbook whose own links resolve', () => {
    const runbook = readFileSync(file('docs/runbook.md'), 'utf8');
    const anchors = headingAnchors(runbook);
    const links = [...runbook.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((link) => !anchors.has(link as string))).toEqual([]);
  });

  it('each have a unit test in alerts.test.yml', () => {
    const tests = readFileSync(RULE_TESTS, 'utf8');
    for (const alert of alerts) expect(tests, alert.alert).toContain(`alertname: ${alert.alert}`);
  });

  it('use only metrics and labels a running gateway exposes', () => {
    // `instance` and `job` are the labels Prometheus adds to every scraped series.
    const withTargetLabels: LiveMetrics = {
      ...live,
      labelsOf: (name) => new Set([...live.labelsOf(name), 'instance', 'job']),
    };
    expect(
      alerts.flatMap((a) => missingFrom(withTargetLabels, a.expr).map((p) => `${a.alert}: ${p}`)),
    ).toEqual([]);
  });
});
