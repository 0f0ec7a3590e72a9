import { Repeater, SlidingBuffer } from 'graphql-yoga';
import { type Clock, systemClock } from '../clock.js';
import type { TokenEvent, TokenService } from '../credentials/types.js';
import type { RefreshReason } from '../store/ports.js';

/** What a `tokenEvents` subscriber receives: names a token by fingerprint, never by value. */
export interface TokenEventView {
  appId: string;
  type: 'REFRESHED' | 'INVALIDATED' | 'ERROR' | 'AUTHORIZED' | 'AUTHORIZATION_UPDATED' | 'UNAUTHORIZED';
  /** When this replica heard of it. */
  at: Date;
  reason?: RefreshReason;
  fingerprint?: string;
  expiresAt?: Date;
  code?: string;
  message?: string;
  background?: boolean;
}

const VIEWS: {
  [K in TokenEvent['type']]: (event: Extract<TokenEvent, { type: K }>) => Omit<TokenEventView, 'at'>;
} = {
  updated: ({ appId, reason, fingerprint, expiresAt }) => ({
    appId,
    type: 'REFRESHED',
    reason,
    fingerprint,
    expiresAt: new Date(expiresAt),
  }),
  invalidated: ({ appId, fingerprint }) => ({ appId, type: 'INVALIDATED', fingerprint }),
  error: ({ appId, code, message, background }) => ({ appId, type: 'ERROR', code, message, background }),
  authorized: ({ appId }) => ({ appId, type: 'AUTHORIZED' }),
  'authorization-updated': ({ appId }) => ({ appId, type: 'AUTHORIZATION_UPDATED' }),
  unauthorized: ({ appId }) => ({ appId, type: 'UNAUTHORIZED' }),
};

/** The subscriber's view of a token event; `message` is already redacted by the token manager. */
function toTokenEventView(event: TokenEvent, at: Date): TokenEventView {
  const view = VIEWS[event.type] as (event: TokenEvent) => Omit<TokenEventView, 'at'>;
  return { ...view(event), at };
}

export interface TokenEventStreamOptions {
  /** Events kept for a subscriber that reads slower than they come; the oldest are dropped. @default 64 */
  bufferSize?: number;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

/**
 * The events of one app as an async iterable. `TokenService.subscribe` hears this replica's own
 * events and, through the store's pub/sub, every other replica's. The listener is removed when the
 * consumer stops (`return()`: Yoga calls it when the client disconnects or the operation ends).
 */
export function tokenEventStream(
  tokens: Pick<TokenService, 'subscribe'>,
  appId: string,
  options: TokenEventStreamOptions = {},
): AsyncIterable<TokenEventView> {
  const clock = options.clock ?? systemClock;
  return new Repeater<TokenEventView>(
    async (push, stop) => {
      const unsubscribe = tokens.subscribe((event) => {
        if (event.appId === appId) void push(toTokenEventView(event, new Date(clock.now())));
      });
      await stop;
      unsubscribe();
    },
    new SlidingBuffer(options.bufferSize ?? 64),
  );
}
