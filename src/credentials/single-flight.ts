/** Joins concurrent calls with the same key onto one execution; all get its result or its error. */
export class SingleFlight<V> {
  readonly #inFlight = new Map<string, Promise<V>>();

  run(key: string, fn: () => Promise<V>): Promise<V> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const started = (async () => {
      try {
        return await fn();
      } finally {
        this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, started);
    return started;
  }

  /** Everything still running, for a bounded shutdown. */
  pending(): Promise<V>[] {
    return [...this.#inFlight.values()];
  }
}
