/**
 * The one source of time for the gateway: every deadline, expiry and timer goes through a `Clock`, so
 * a test can pass a fake one (or use Vitest's fake timers with `systemClock`) instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Calls `fn` after `ms`; the timer never keeps the process alive on its own (unref'd). Returns the
   * function that cancels it.
   */
  setTimeout(fn: () => void, ms: number): () => void;
  /** Resolves after `ms`; unref'd like `setTimeout`. */
  sleep(ms: number): Promise<void>;
}

/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock. Globals are looked up at each call, so Vitest's fake timers take effect. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = globalThis.setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    timer.unref?.();
    return () => globalThis.clearTimeout(timer);
  },
  sleep(ms) {
    return new Promise((resolve) => systemClock.setTimeout(resolve, ms));
  },
};

/** A uniform number in [0, 1); injectable so jitter is reproducible in tests. */
export type Random = () => number;
