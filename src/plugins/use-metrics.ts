import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

export interface MetricsPluginOptions {
  metrics: GatewayMetrics;
  /** @default '/metrics' */
  path?: string;
}

/**
 * Serves `/metrics` (Prometheus text). Every request reaches it through the pipeline's admission: a
 * page on an origin CORS refuses reads no metrics, and its methods are the pipeline's rule.
 */
export function useMetricsEndpoint(options: MetricsPluginOptions): Plugin {
  const { metrics } = options;
  const path = options.path ?? '/metrics';
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      endResponse(
        new fetchAPI.Response(await metrics.text(), {
          headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
