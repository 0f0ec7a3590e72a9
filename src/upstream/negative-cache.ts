import type { Clock } from '../clock.js';

/**
 * Remembers a configuration error per app for a short while, so a wrong secret hammered by many
 * clients costs one upstream call per window instead of one per request.
 */
export class NegativeCache {
  readonly #entries = new Map<string, { error: Error; until: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** Remembers `error` until `until` (epoch ms; a window another replica opened may end sooner). */
  remember(appId: string, error: Error, until = this.clock.now() + this.ttlMs): void {
    if (this.ttlMs > 0) this.#entries.set(appId, { error, until });
  }

  /** The remembered error while its window lasts. */
  recall(appId: string): Error | undefined {
    const entry = this.#entries.get(appId);
    if (!entry) return undefined;
    if (this.clock.now() < entry.until) return entry.error;
    this.#entries.delete(appId);
    return undefined;
  }
}
