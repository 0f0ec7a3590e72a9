import type { Plugin } from 'graphql-yoga';
import { type Clock, systemClock } from '../clock.js';
import type { ComponentManager } from '../credentials/component-manager.js';
import type { TokenService } from '../credentials/types.js';
import { type StreamSlot, type StreamSlots, streamHolder } from '../limits/stream-slots.js';
import { Redactor } from '../redact.js';
import { parseAuthorizerListQuery } from '../status/authorizer-list.js';
import { renderStatusPage } from '../status/render-status-page.js';
import { collectStatus, type StatusSectionSource } from '../status/status-model.js';
import type { Stores } from '../store/ports.js';
import { inlineScriptCsp } from './use-security-headers.js';
import { clientAddress, tooManyStreamsResponse } from './use-stream-limits.js';

export interface StatusPageOptions {
  tokens: Pick<TokenService, 'listApps' | 'statuses' | 'inspect' | 'subscribe'>;
  store: Pick<Stores, 'kind' | 'health'>;
  /** Extra per-app sections (tickets, …), shown under each app's token. @default [] */
  sections?: readonly StatusSectionSource[];
  /** Where the page is served; its event stream is `${path}/events`. @default '/status' */
  path?: string;
  /** Clock of the times shown; only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** How long the store may take to report its health before the page shows it unreachable. @default 2000 */
  healthTimeoutMs?: number;
  /** A comment line on the event stream this often, so idle proxies keep it open. @default 25000 */
  heartbeatMs?: number;
  /** The gateway's redaction, for every text the page shows. @default a redactor of its own (patterns only) */
  redactor?: Redactor;
  /** The Open Platform components, each shown as a card of its own. */
  components?: Pick<ComponentManager, 'summaries' | 'list' | 'authorizers' | 'tokenStatuses'> | undefined;
  /** Where each event stream takes its slot (per client address: the page sends no key). */
  streams: StreamSlots;
}

export interface StatusPage {
  plugin: Plugin;
  /** Ends every open event stream (before the HTTP drain, which would otherwise wait for them). */
  end(): void;
}

const encoder = new TextEncoder();

/**
 * GET /status: every app's token life at a glance (status-model.ts, render-status-page.ts), and
 * GET /status/events: a Server-Sent Events stream of token events (app and type only: no token,
 * no fingerprint, no message) that the page follows to re-render within a second of a change on
 * any replica. Needs no API key, like /ready; whether it is served at all is the caller's choice.
 */
export function useStatusPage(options: StatusPageOptions): StatusPage {
  const path = options.path ?? '/status';
  const eventsPath = `${path}/events`;
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const heartbeatMs = options.heartbeatMs ?? 25_000;
  const sources = {
    tokens: options.tokens,
    store: options.store,
    sections: options.sections ?? [],
    ...(options.components && { components: options.components }),
    now,
    healthTimeoutMs: options.healthTimeoutMs ?? 2000,
    redactor: options.redactor ?? new Redactor(),
  };
  const open = new Set<() => void>();
  let ended = false;

  function eventStream(slot: StreamSlot): ReadableStream<Uint8Array> {
    let close = slot.release;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => controller.enqueue(encoder.encode(text));
        const unsubscribe = options.tokens.subscribe((event) => {
          send(`event: token\ndata: ${JSON.stringify({ appId: event.appId, type: event.type })}\n\n`);
        });
        const heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
        heartbeat.unref();
        close = () => {
          if (!open.delete(close)) return;
          slot.release();
          unsubscribe();
          clearInterval(heartbeat);
          controller.close();
        };
        open.add(close);
        // Retry after a second when the stream ends (a replica shutting down, say).
        send('retry: 1000\n: connected\n\n');
        if (ended) close();
      },
      cancel() {
        close();
      },
    });
  }

  return {
    plugin: {
      // Its methods are useAllowedMethods' rule (GET, HEAD).
      async onRequest({ url, request, endResponse, fetchAPI, serverContext }) {
        if (url.pathname !== path && url.pathname !== eventsPath) return;
        if (url.pathname === eventsPath) {
          const headers = {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-store',
            'x-accel-buffering': 'no',
          };
          // No body is sent for HEAD: a stream made for it would never be read, nor closed.
          if (request.method === 'HEAD') return endResponse(new fetchAPI.Response(null, { headers }));
          const slot = options.streams.take(
            'status_events',
            streamHolder(undefined, clientAddress(serverContext)),
          );
          endResponse(
            'release' in slot
              ? new fetchAPI.Response(eventStream(slot), { headers })
              : tooManyStreamsResponse(slot),
          );
          return;
        }
        // `component`, `q` and `after` search and page the authorizers (authorizer-list.ts).
        const query = parseAuthorizerListQuery(url.searchParams);
        const html = renderStatusPage(await collectStatus(sources, query), path);
        endResponse(
          new fetchAPI.Response(html, {
            headers: {
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
              'content-security-policy': inlineScriptCsp(html, { forms: true }),
            },
          }),
        );
      },
    },
    end() {
      ended = true;
      for (const close of [...open]) close();
    },
  };
}

/** What a visit to the status page gets where it is off: a 404 that names the setting. */
export const STATUS_PAGE_OFF =
  'Not found. The status page is off here (production default): STATUS_PAGE=true turns it on (docs/operations.md#status-page).\n';

/**
 * Where the status page is off, /status and /status/events answer 404 saying which setting turns it
 * on, rather than the bare 404 of a path that does not exist.
 */
export function useStatusPageOff(options: { path?: string } = {}): Plugin {
  const path = options.path ?? '/status';
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== path && url.pathname !== `${path}/events`) return;
      endResponse(
        new fetchAPI.Response(STATUS_PAGE_OFF, {
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
