import type { LoadResult } from './driver.js';

/** More failed answers than this share of all makes a run invalid: it would measure failures. */
export const MAX_FAILURE_SHARE = 0.01;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Why a run cannot be reported as a number, or undefined when it can. */
export function invalidReason(result: LoadResult): string | undefined {
  const failed = result.errors + result.timeouts + result.non2xx;
  const all = result.total + result.errors + result.timeouts;
  if (all === 0) return 'no answers';
  if (failed / all > MAX_FAILURE_SHARE) {
    return `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${all}`;
  }
  return undefined;
}

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  rounds: number;
}

/** Medians over the valid rounds; undefined when any round was invalid. */
export function summarise(results: readonly LoadResult[]): Summary | { invalid: string } {
  for (const result of results) {
    const reason = invalidReason(result);
    if (reason) return { invalid: reason };
  }
  return {
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    rounds: results.length,
  };
}
