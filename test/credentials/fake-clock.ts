import type { Clock } from '../../src/clock.js';

/** 12:00:00 UTC (20:00 in Beijing): a minute-quota window opened now lasts 60 s, a daily one 4 h. */
export const FAKE_START = Date.UTC(2026, 10, 25, 12, 0, 0);

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
}

/**
 * Runs every promise chain that waits on neither a timer nor I/O to its end: the microtask queue is
 * drained before any macrotask, so one event-loop turn is enough. Not a sleep: no time passes.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock whose time and timers are both virtual: nothing fires until the test moves time on with
 * `advance`, which fires each due timer at its own due time, in order (ties in the order they were
 * set), and lets what it started settle before the next one. A year passes as fast as a millisecond.
 *
 * `settleWith` says what "settled" means: by default, every promise chain that needs no timer and no
 * I/O has run; a test that talks to a real server over HTTP waits for its calls in flight as well
 * (`trackCalls`), so no virtual time passes while a request is on the wire.
 */
export class FakeClock implements Clock {
  settleWith: () => Promise<void> = settle;
  #now: number;
  #seq = 0;
  readonly #timers = new Set<Timer>();

  constructor(start = FAKE_START) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer: Timer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time on by `ms`, firing every timer that falls due on the way (timers they set included). */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await this.settleWith();
    for (let next = this.#next(end); next; next = this.#next(end)) {
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
      await this.settleWith();
    }
    this.#now = Math.max(this.#now, end);
    await this.settleWith();
  }

  /** The earliest timer due at or before `end`. */
  #next(end: number): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.due > end) continue;
      if (!earliest || timer.due < earliest.due || (timer.due === earliest.due && timer.seq < earliest.seq))
        earliest = timer;
    }
    return earliest;
  }
}

/** Whether a promise has settled yet (after letting pending microtasks run), without waiting for it. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await settle();
  return settled;
}

/**
 * Calls in flight on any of the objects it tracks: `track(target)` gives `target` with every method that
 * returns a promise followed while it runs, and `idle()` resolves once none runs and what their answers
 * started has settled (a next call on any tracked object included).
 */
export class CallTracker {
  readonly #running = new Set<Promise<unknown>>();

  track<T extends object>(target: T): T {
    const running = this.#running;
    return new Proxy(target, {
      get(object, name) {
        const member: unknown = Reflect.get(object, name, object);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          const result: unknown = member.apply(object, args);
          if (!(result instanceof Promise)) return result;
          running.add(result);
          const done = () => running.delete(result);
          result.then(done, done);
          return result;
        };
      },
    });
  }

  async idle(): Promise<void> {
    do {
      await Promise.allSettled([...this.#running]);
      await settle();
    } while (this.#running.size > 0);
  }
}

/** `target` tracked by a tracker of its own (see `CallTracker`). */
export function trackCalls<T extends object>(target: T): { api: T; idle(): Promise<void> } {
  const tracker = new CallTracker();
  return { api: tracker.track(target), idle: () => tracker.idle() };
}
