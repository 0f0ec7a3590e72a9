import type { Plugin } from 'graphql-yoga';
import type { Clock } from '../clock.js';
import type { ComponentConfig } from '../config/components.js';
import type { Config } from '../config/types.js';
import type { ComponentManager } from '../credentials/component-manager.js';
import { MemoryBucketStore } from '../limits/memory-bucket-store.js';
import { type BucketPolicy, validatePolicy } from '../limits/token-bucket.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Redactor } from '../redact.js';
import type { CredentialStore } from '../store/ports.js';
import { type ComponentPushEvent, openComponentPush, type PushRefusal } from '../wechat/component-push.js';
import { ComponentTickets } from '../wechat/component-ticket.js';
import { MessageCrypto } from '../wechat/message-crypto.js';

/** What became of one push, for `wxgw_component_push_total{component,info_type,outcome}`. */
export type PushOutcomeLabel =
  | 'accepted'
  | 'duplicate'
  | PushRefusal
  | 'method'
  | 'rate'
  | 'too-large'
  | 'unknown-component';

export interface ComponentPushOptions {
  components: readonly ComponentConfig[];
  tickets: ComponentTickets;
  logger: Logger;
  /** Epoch milliseconds now. @default Date.now */
  now?: () => number;
  /** How far a push's signed timestamp may be from now, either way (OPEN_PLATFORM_PUSH_MAX_AGE_SECONDS). @default 300 */
  maxAgeSeconds?: number;
  /** A push body over this many bytes is refused unread. @default 65536 */
  maxBodyBytes?: number;
  /**
   * Pushes each replica reads per component, checked before the body is read: WeChat pushes a ticket
   * every 10 minutes and one push per authorization, so a flood (valid or not) is answered `429`
   * without the decryption it would cost. @default PUSH_RATE (a burst of 60, then 1 a second)
   */
  rate?: BucketPolicy;
  /** Acts on an authorization push (authorized, updateauthorized, unauthorized) once it is checked. */
  onAuthorizationEvent?: (
    event: Exclude<ComponentPushEvent, { infoType: 'component_verify_ticket' }>,
  ) => Promise<void>;
  /** Counts each push's outcome. */
  onOutcome?: (component: string, infoType: string, outcome: PushOutcomeLabel) => void;
}

export const PUSH_RATE: BucketPolicy = { capacity: 60, refillPerSecond: 1 };

/** Where WeChat's pushes arrive: the pipeline routes these paths past keys, CORS and GraphQL limits. */
export const COMPONENT_PUSH_PREFIX = '/wechat/component/';

/** Any id in the place of the appId: one that is not a configured component is refused like a bad push. */
const PATH = /^\/wechat\/component\/([^/]+)\/events$/;

/**
 * WeChat's authorization event URL of each component: `POST /wechat/component/<componentAppId>/events`.
 * Not behind API keys (WeChat sends none), CORS or the GraphQL limits: its own body bound, and every
 * push is checked (signature, receiveId, freshness) before anything is stored. A valid push is answered
 * `success`; a refused one `403` with nothing stored (an unknown component too; `405` for another
 * method, `413` over the body bound, `429` over the push rate). Logs name the component and the
 * reason, never a value from the push.
 */
export function useComponentPush(options: ComponentPushOptions): Plugin {
  const now = options.now ?? Date.now;
  const maxAgeSeconds = options.maxAgeSeconds ?? 300;
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  const cryptos = new Map(
    options.components.map((c) => [
      c.appId,
      new MessageCrypto({ token: c.token, encodingAesKey: c.encodingAesKey, receiveId: c.appId }),
    ]),
  );
  const rate = validatePolicy('useComponentPush rate', options.rate ?? PUSH_RATE);
  const buckets = new MemoryBucketStore({ clock: { now }, maxBuckets: Math.max(1, cryptos.size) });
  const log = options.logger;
  const count = options.onOutcome ?? (() => {});

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(COMPONENT_PUSH_PREFIX)) return;
      const refuse = (component: string, outcome: PushOutcomeLabel, status = 403) => {
        count(component, 'unknown', outcome);
        log.warn({ component, outcome }, 'component push refused');
        endResponse(new fetchAPI.Response('', { status, headers: { 'cache-control': 'no-store' } }));
      };
      const componentAppId = PATH.exec(url.pathname)?.[1];
      const crypto = componentAppId && cryptos.get(componentAppId);
      if (!componentAppId || !crypto) return refuse('unknown', 'unknown-component');
      if (request.method !== 'POST') return refuse(componentAppId, 'method', 405);
      if (!buckets.takeNow(componentAppId, rate).allowed) return refuse(componentAppId, 'rate', 429);
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > maxBodyBytes) return refuse(componentAppId, 'too-large', 413);
      const bytes = new Uint8Array(await request.arrayBuffer());
      if (bytes.byteLength > maxBodyBytes) return refuse(componentAppId, 'too-large', 413);
      const opened = openComponentPush(
        { query: url.searchParams, body: new TextDecoder().decode(bytes) },
        { componentAppId, crypto, nowMs: now(), maxAgeSeconds },
      );
      if (!opened.ok) return refuse(componentAppId, opened.reason);
      const { event } = opened;
      let outcome: PushOutcomeLabel = 'accepted';
      if (event.infoType === 'component_verify_ticket') {
        const stored = await options.tickets.save(componentAppId, event.ticket, event.createTime);
        if (!stored) outcome = 'duplicate';
      } else {
        await options.onAuthorizationEvent?.(event);
      }
      const { infoType } = event;
      count(componentAppId, infoType, outcome);
      log.info({ component: componentAppId, infoType, outcome }, 'component push');
      endResponse(
        new fetchAPI.Response('success', {
          status: 200,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}

/** The push endpoint of the configured components, or none when no component is configured. */
export function componentPushPlugins(deps: {
  config: Partial<Pick<Config, 'components' | 'componentPush'>>;
  store: { credentials: CredentialStore };
  /**
   * Keeps the verify tickets (`tickets`, their one owner, which the component tokens read) and acts on
   * authorization pushes; without it tickets are kept by the endpoint alone and authorizations only
   * acknowledged.
   */
  components?: Pick<ComponentManager, 'onAuthorizationPush' | 'tickets'> | undefined;
  /** The gateway's redaction, which learns every pushed ticket (when there is no `components`). */
  redactor: Pick<Redactor, 'learnCredential'>;
  logger: Logger;
  clock?: Pick<Clock, 'now'> | undefined;
  metrics?: Pick<GatewayMetrics, 'observeComponentPush'> | undefined;
}): Plugin[] {
  const components = deps.config.components ?? [];
  if (components.length === 0) return [];
  const { clock } = deps;
  return [
    useComponentPush({
      components,
      tickets: deps.components?.tickets ?? new ComponentTickets(deps.store.credentials, deps.redactor),
      logger: deps.logger,
      ...(clock && { now: () => clock.now() }),
      ...(deps.metrics && { onOutcome: deps.metrics.observeComponentPush.bind(deps.metrics) }),
      ...(deps.components && {
        onAuthorizationEvent: deps.components.onAuthorizationPush.bind(deps.components),
      }),
      ...(deps.config.componentPush && { maxAgeSeconds: deps.config.componentPush.maxAgeSeconds }),
    }),
  ];
}
