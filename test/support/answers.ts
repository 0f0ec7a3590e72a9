import type { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';

/** How many GraphQL requests each execution phase answered, from `wxgw_graphql_answers_total`. */
export async function answersByPhase(
  metrics: GatewayMetrics,
): Promise<{ cache: number; compiled: number; yoga: number }> {
  const counts = { cache: 0, compiled: 0, yoga: 0 };
  const metric = metrics.registry.getSingleMetric('wxgw_graphql_answers_total');
  for (const value of (await metric?.get())?.values ?? []) {
    const phase = value.labels.phase as keyof typeof counts;
    if (phase in counts) counts[phase] = value.value;
  }
  return counts;
}

/** The phase that answered the one request `send` makes (the suite must send nothing else meanwhile). */
export async function answeredBy<T>(
  metrics: GatewayMetrics,
  send: () => Promise<T>,
): Promise<{ result: T; phase: 'cache' | 'compiled' | 'yoga' | 'none' }> {
  const before = await answersByPhase(metrics);
  const result = await send();
  const after = await answersByPhase(metrics);
  const phase = (['cache', 'compiled', 'yoga'] as const).find((name) => after[name] > before[name]) ?? 'none';
  return { result, phase };
}
