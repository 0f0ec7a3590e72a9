import type { Logger } from './logger.js';
import { redact } from './redact.js';

/**
 * The subscribers of one event source. Each listener is called in turn; one that throws is logged
 * and skipped, so it cannot keep the event from the others nor undo the change being announced.
 */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();
  readonly #logger: Logger;
  readonly #what: string;

  /** `what` names the events in the log line: "a `what` listener threw". */
  constructor(logger: Logger, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  get size(): number {
    return this.#listeners.size;
  }

  /** Returns the function that removes `listener` again. */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.#logger.warn(
          { err: redact(error instanceof Error ? error.message : String(error)) },
          `a ${this.#what} listener threw`,
        );
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
