import type { Clock } from '../clock.js';
import type { ComponentConfig } from '../config/components.js';
import type { Stores } from '../store/ports.js';
import type { ComponentWeChatApi } from '../wechat/component-api.js';
import type { WeChatFrontendApi } from '../wechat/frontend-endpoints.js';
import type { TokenManagerOptions } from './options.js';

/** What a `ComponentManager` (component-manager.ts) is built from. */
export interface ComponentManagerOptions
  extends Omit<TokenManagerOptions, 'apps' | 'api' | 'onCacheLookup' | 'stores'> {
  components: readonly ComponentConfig[];
  stores: Pick<Stores, 'credentials' | 'leases' | 'holds' | 'authorizers' | 'health'>;
  api: ComponentWeChatApi;
  /** The ticket endpoint the authorizers' JS-SDK tickets come from. @default none: no authorizer tickets */
  frontend?: Pick<WeChatFrontendApi, 'getTicket'>;
  /** @default systemClock */
  clock?: Clock;
  /**
   * An authorizer's token (and tickets) is renewed ahead of expiry only while used on this replica
   * within this many hours; the others are obtained on their next use (OPEN_PLATFORM_RENEW_IF_USED_WITHIN_HOURS).
   * @default 24
   */
  renewIfUsedWithinHours?: number;
  /**
   * Upstream calls in flight at once per component on this replica; the others wait their turn
   * (OPEN_PLATFORM_MAX_CONCURRENT_CALLS). @default 16
   */
  maxConcurrentCalls?: number;
  /**
   * Background renewals of the components' credentials are spread, each at its own instant, over this
   * window before they fall due (`spreadRefreshDelayMs`), at most a quarter of a value's life. @default 600000
   */
  renewalSpreadMs?: number;
}

/** `renewalSpreadMs` when not given: 10 minutes before the margin. */
export const DEFAULT_RENEWAL_SPREAD_MS = 10 * 60_000;

/** `renewIfUsedWithinHours` when not given. */
export const DEFAULT_RENEW_IF_USED_WITHIN_HOURS = 24;
