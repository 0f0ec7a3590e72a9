import { type Clock, systemClock } from '../../src/clock.js';

/**
 * A clock that moves only when told to, or when one of its timers fires: a timer set for `ms` runs
 * on a real timer and moves the clock to at least its due time, so deadlines made of timers pass.
 */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  setTimeout(fn: () => void, ms: number): () => void {
    const due = this.current + ms;
    return systemClock.setTimeout(() => {
      this.current = Math.max(this.current, due);
      fn();
    }, ms);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
}
