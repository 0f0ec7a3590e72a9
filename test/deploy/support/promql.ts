import type { LiveMetrics } from './live-metrics.js';

/** What a PromQL expression reads: each gateway metric with its label matchers, and the grouping labels. */
export interface PromqlReferences {
  metrics: { name: string; labels: string[] }[];
  grouping: string[];
}

const SELECTOR = /\b(wxgw_[a-zA-Z0-9_:]*)(?:\{([^}]*)\})?/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g;
const GROUPING = /\b(?:by|without)\s*\(([^)]*)\)/g;

export function promqlReferences(expr: string): PromqlReferences {
  const metrics = [...expr.matchAll(SELECTOR)].map(([, name, matchers]) => ({
    name: name as string,
    labels: [...(matchers ?? '').matchAll(MATCHER)].map(([, label]) => label as string),
  }));
  const grouping = [...expr.matchAll(GROUPING)].flatMap(([, list]) =>
    (list ?? '')
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean),
  );
  return { metrics, grouping };
}

/** `le` is every histogram bucket's label, named by quantile queries. */
const IMPLIED_LABELS = new Set(['le']);

/**
 * Everything an expression names that the live exposition lacks: metrics that do not exist, label
 * matchers on labels the metric does not carry, grouping labels none of its metrics carries.
 */
export function missingFrom(live: LiveMetrics, expr: string): string[] {
  const { metrics, grouping } = promqlReferences(expr);
  const problems: string[] = [];
  const carried = new Set<string>(IMPLIED_LABELS);
  for (const { name, labels } of metrics) {
    if (!live.names.has(name)) {
      problems.push(`metric ${name}`);
      continue;
    }
    const labelsOfName = live.labelsOf(name);
    for (const label of labelsOfName) carried.add(label);
    for (const label of labels) if (!labelsOfName.has(label)) problems.push(`label ${label} of ${name}`);
  }
  for (const label of grouping) if (!carried.has(label)) problems.push(`grouping label ${label}`);
  return problems;
}
