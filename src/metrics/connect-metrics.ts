import type { TokenService } from '../credentials/types.js';
import type { Stores } from '../store/ports.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * Feeds the metrics from the token service: its events (refreshes by reason, invalidations, fetch
 * errors) as they happen, and per-app state and store health at scrape time. Returns the function
 * that stops listening to events.
 */
export function connectTokenMetrics(
  metrics: GatewayMetrics,
  tokens: TokenService,
  store: Pick<Stores, 'health'>,
): () => void {
  metrics.readTokenStateFrom({ tokens, store });
  return tokens.subscribe((event) => metrics.observeTokenEvent(event));
}
