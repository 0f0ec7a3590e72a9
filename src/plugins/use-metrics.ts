import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { trackGraphQLRequests } from './track-graphql-requests.js';

export interface MetricsPluginOptions {
  metrics: GatewayMetrics;
  /** @default '/metrics' */
  path?: string;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
}

/**
 * Counts and times every GraphQL request by operation name and result code. Register it before plugins
 * that may end a request early.
 */
export function useMetrics(options: Omit<MetricsPluginOptions, 'path'>): Plugin {
  const { metrics } = options;
  return trackGraphQLRequests({
    graphqlEndpoint: options.graphqlEndpoint,
    onOutcome({ ran, code, reason, durationMs }) {
      metrics.observeGraphQLRequest(ran, code, durationMs / 1000, reason);
    },
  });
}

/**
 * Serves `/metrics` (Prometheus text). Register it after the CORS plugin, as every endpoint is: a
 * page on an origin it refuses reads no metrics either. Its methods are useAllowedMethods' rule.
 */
export function useMetricsEndpoint(options: Pick<MetricsPluginOptions, 'metrics' | 'path'>): Plugin {
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
