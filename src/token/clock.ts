/** Where the token code reads the time; tests pass a fake so expiry and windows need no sleeping. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A uniform number in [0, 1); injectable so jitter is reproducible in tests. */
export type Random = () => number;
