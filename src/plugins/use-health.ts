import type { Plugin } from 'graphql-yoga';

export interface HealthOptions {
  /** @default '/health' */
  path?: string;
}

/** Liveness: the process serves HTTP. Answers `200 {"status":"ok"}` without touching any dependency. */
export function useHealth(options: HealthOptions = {}): Plugin {
  const path = options.path ?? '/health';
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      endResponse(fetchAPI.Response.json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } }));
    },
  };
}
