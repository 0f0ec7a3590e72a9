import type { Plugin } from 'graphql-yoga';
import { redact } from '../redact.js';
import type { StoreHealth, TokenStore } from '../token/store.js';

export interface ReadinessOptions {
  store: Pick<TokenStore, 'kind' | 'health'>;
  /** How many apps the configuration holds (a gateway with none cannot serve). */
  appCount: () => number;
  /** @default '/ready' */
  path?: string;
  /** How long the store may take to answer before the gateway counts as not ready. @default 2000 */
  timeoutMs?: number;
}

async function probe(store: ReadinessOptions['store'], timeoutMs: number): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, degraded: false, detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      store.health().catch(
        (error: unknown): StoreHealth => ({
          ok: false,
          degraded: false,
          detail: redact(error instanceof Error ? error.message : String(error)),
        }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Readiness: configuration valid (it was, or the process would not have started) with at least one
 * app, and the token store reachable. 200 when ready, 503 otherwise; the JSON body says why.
 */
export function useReadiness(options: ReadinessOptions): Plugin {
  const path = options.path ?? '/ready';
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      const store = await probe(options.store, timeoutMs);
      const apps = options.appCount();
      const configOk = apps > 0;
      const ready = configOk && store.ok;
      endResponse(
        fetchAPI.Response.json(
          {
            status: ready ? 'ready' : 'not_ready',
            config: { ok: configOk, apps },
            store: { kind: options.store.kind, ...store },
          },
          { status: ready ? 200 : 503, headers: { 'cache-control': 'no-store' } },
        ),
      );
    },
  };
}
