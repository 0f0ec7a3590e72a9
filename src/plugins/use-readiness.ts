import type { Plugin } from 'graphql-yoga';
import type { ComponentManager } from '../credentials/component-manager.js';
import type { TokenService, TokenStatus } from '../credentials/types.js';
import { componentReadiness, decideReadiness, summarizeApps } from '../lifecycle/readiness.js';
import { Redactor } from '../redact.js';
import { cachedHealth } from '../store/health-cache.js';
import type { StoreHealth, Stores } from '../store/ports.js';

export interface ReadinessOptions {
  /**
   * Its `subscribe`, when it has one, drops the cached evaluation on every token change, and its
   * `onHealthChange` on every change of its health.
   */
  store: Pick<Stores, 'kind' | 'health'> & Partial<Pick<Stores, 'credentials' | 'onHealthChange'>>;
  /** The configured apps and their token state (a gateway with none cannot serve). */
  tokens: Pick<TokenService, 'listApps' | 'statuses'>;
  /** @default '/ready' */
  path?: string;
  /** How long the store may take to answer before the gateway counts as not ready. @default 2000 */
  timeoutMs?: number;
  /**
   * How long one evaluation answers every probe, unless the store announces a token change (on this
   * or another replica) or a change of its health, or the apps list changes first; the store's health
   * is shared for as long. @default 1000
   */
  cacheMs?: number;
  /** The Open Platform components: shown in the detail (ticket, token, authorizers), never holding readiness back. */
  components?: Pick<ComponentManager, 'summaries'>;
  /** The gateway's redaction, for a store failure's text. @default a redactor of its own (patterns only) */
  redactor?: Redactor;
}

/**
 * How long after an evaluation that token changes caused several further token changes may make the
 * next probe evaluate again: at once for a small gateway, but after nine times its duration once one
 * takes more than `SLOW_EVALUATION_MS` (thousands of apps, whose tokens all change while it starts),
 * so probes polled while every token is obtained take about a tenth of the process (and one
 * evaluation more per `cacheMs`), not all of it; never while one is running. A single token change
 * since the last evaluation, or the first after any other evaluation, is answered at the next probe
 * however long that evaluation took (a slow first one, its code still cold, included).
 */
const SLOW_EVALUATION_MS = 20;
function changeGapMs(tookMs: number | undefined): number {
  if (tookMs === undefined) return Number.POSITIVE_INFINITY;
  return tookMs > SLOW_EVALUATION_MS ? 9 * tookMs : 0;
}

interface Answer {
  status: number;
  body: unknown;
}

async function probe(
  store: ReadinessOptions['store'],
  timeoutMs: number,
  redactor: Redactor,
): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, degraded: false, detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      cachedHealth(store).catch(
        (error: unknown): StoreHealth => ({
          ok: false,
          degraded: false,
          detail: redactor.errorText(error),
        }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every app's status, in one store read; apps whose status cannot be read count as having no token. */
function statuses(tokens: ReadinessOptions['tokens']): Promise<TokenStatus[]> {
  const apps = tokens.listApps();
  return tokens
    .statuses(apps.map((app) => app.appId))
    .catch(() =>
      apps.map(
        (app): TokenStatus => ({ appId: app.appId, name: app.name, state: 'MISSING', degraded: false }),
      ),
    );
}

/**
 * Readiness (lifecycle/readiness.ts): the token store reachable and not degraded, at least one app,
 * and each app with a usable token or a known configuration error. 200 when ready, 503 otherwise;
 * the JSON body counts the apps by state, reason and kind and names those needing attention (not
 * ready, or a configuration error) up to `READY_LISTED_APPS`: its size does not grow with the apps.
 */
export function useReadiness(options: ReadinessOptions): Plugin {
  const path = options.path ?? '/ready';
  const timeoutMs = options.timeoutMs ?? 2000;
  const cacheMs = options.cacheMs ?? 1000;
  // Probes are unauthenticated: one evaluation serves a storm of them, so its cost (a store PING and
  // each app's in-process status) does not multiply with the probes.
  let cached:
    | {
        at: number;
        generation: number;
        health: number;
        apps: string;
        /** A token change made this evaluation (the gap before the next one applies). */
        byChange: boolean;
        answer: Promise<Answer>;
        tookMs?: number;
      }
    | undefined;
  const redactor = options.redactor ?? new Redactor();
  // Several token changes (`generation`) wait out the gap after a slow evaluation (`changeGapMs`); a
  // change of the store's health (`health`) is rare and is what a probe is for: the next probe always
  // evaluates anew.
  let generation = 0;
  let health = 0;
  // Followed from the first probe until the gateway is disposed, so a gateway never probed holds no listener.
  let unsubscribe: (() => void) | undefined;
  const follow = () => {
    if (unsubscribe) return;
    const offs = [
      options.store.credentials?.subscribe(() => {
        generation++;
      }),
      options.store.onHealthChange?.(() => {
        health++;
      }),
    ];
    unsubscribe = () => {
      for (const off of offs) off?.();
    };
  };
  const evaluate = async (): Promise<Answer> => {
    const kinds = new Map(options.tokens.listApps().map((app) => [app.appId, app.kind ?? 'officialAccount']));
    const [store, apps, components] = await Promise.all([
      probe(options.store, timeoutMs, redactor),
      statuses(options.tokens),
      options.components?.summaries().catch(() => undefined),
    ]);
    const readiness = decideReadiness({ kind: options.store.kind, ...store }, apps);
    return {
      status: readiness.ready ? 200 : 503,
      // `ok` is the HTTP status in the body (200 exactly when true); the store's state is one word.
      body: {
        status: readiness.ready ? 'ready' : 'not_ready',
        ok: readiness.ready,
        store: readiness.store,
        apps: summarizeApps(readiness.apps, (appId) => kinds.get(appId) ?? 'officialAccount'),
        ...(options.components && {
          components: componentReadiness(components, options.store.kind),
        }),
      },
    };
  };
  return {
    onDispose() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      follow();
      const now = performance.now();
      const apps = options.tokens
        .listApps()
        .map((app) => app.appId)
        .join(',');
      const last = cached;
      const stale = !last || now - last.at >= cacheMs || last.apps !== apps || last.health !== health;
      const changed =
        !stale &&
        last.generation !== generation &&
        (!last.byChange || generation - last.generation === 1 || now - last.at >= changeGapMs(last.tookMs));
      let current = last;
      if (!current || stale || changed) {
        const next = { at: now, generation, health, apps, byChange: changed, answer: evaluate() };
        cached = next;
        current = next;
        void next.answer.then(
          () => Object.assign(next, { tookMs: performance.now() - next.at }),
          () => undefined,
        );
      }
      const answer = await current.answer;
      endResponse(
        fetchAPI.Response.json(answer.body, {
          status: answer.status,
          headers: { 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
