/**
 * At most `max` holders at once: `acquire` resolves when a slot is free, the others wait in the order
 * they came, and `release` passes a slot to the oldest waiter as it is (or frees it when none waits).
 */
export class Slots {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  acquire(): Promise<void> {
    if (this.#active < this.max) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active -= 1;
  }

  /** Slots held now. */
  get active(): number {
    return this.#active;
  }

  /** Acquirers waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }
}
