/**
 * Which base URL to try first. A base that failed (network error, timeout, 5xx) is tried last for a
 * while, so one hanging domain does not cost every call its whole timeout before failover; once its
 * cool-down has passed it is back in its configured place. Pure, so it tests without I/O.
 */

/** For each base URL in configured order, when it last failed (epoch ms), or undefined. */
export type FailureMarks = readonly (number | undefined)[];

/** Indexes of the base URLs in the order to try them. */
export function baseUrlOrder(failedAt: FailureMarks, now: number, cooldownMs: number): number[] {
  const cooling = (index: number) => {
    const at = failedAt[index];
    return at !== undefined && now - at < cooldownMs;
  };
  const indexes = failedAt.map((_, index) => index);
  const healthy = indexes.filter((index) => !cooling(index));
  // Among cooling bases, the one that failed longest ago is the likeliest to have recovered.
  const coolingOldestFirst = indexes
    .filter(cooling)
    .sort((a, b) => (failedAt[a] as number) - (failedAt[b] as number));
  return [...healthy, ...coolingOldestFirst];
}
