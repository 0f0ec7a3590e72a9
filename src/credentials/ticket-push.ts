import type { Clock } from '../clock.js';
import type { ComponentConfig } from '../config/components.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';
import type { HoldStore } from '../store/ports.js';
import type { ComponentWeChatApi } from '../wechat/component-api.js';
import {
  type ComponentTickets,
  PUSH_RESTART_GAP_MS,
  shouldRestartPush,
  type TicketState,
  ticketState,
} from '../wechat/component-ticket.js';

/** How often each replica looks at every component's ticket. */
export const TICKET_CHECK_EVERY_MS = 60_000;

/** The hold that spaces push restarts of one component, shared by replicas (`<purpose>:<appId>`). */
export function pushRestartKey(componentAppId: string): string {
  return `push-restart:${componentAppId}`;
}

export interface TicketPushOptions {
  components: readonly ComponentConfig[];
  tickets: Pick<ComponentTickets, 'latest'>;
  holds: Pick<HoldStore, 'claim' | 'heldForMs'>;
  api: Pick<ComponentWeChatApi, 'startPushTicket'>;
  clock: Clock;
  logger: Logger;
  redactor?: Pick<Redactor, 'errorText'>;
  /** @default TICKET_CHECK_EVERY_MS */
  checkEveryMs?: number;
}

/** A component's verify ticket as operators see it: never the ticket. */
export interface TicketPushStatus {
  componentAppId: string;
  state: TicketState;
  /** When WeChat created the latest ticket (its push's CreateTime). */
  receivedAt?: Date;
  ageSeconds?: number;
  /** When some replica last called api_start_push_ticket, while the gap after it lasts. */
  pushRestartedAt?: Date;
  /** Why this replica's last restart failed, if it did (a code, never a secret). */
  lastRestartError?: string;
}

export type TicketCheck = 'fresh' | 'restarted' | 'spaced' | 'failed';

/**
 * Keeps WeChat pushing each component's verify ticket: with no ticket, or none newer than 20 minutes
 * (`ticketState`), it calls `api_start_push_ticket`, at most once per 10 minutes per component across
 * every replica (a claim in the shared store, `shouldRestartPush` deciding), and says so in the log.
 * A ticket WeChat refused (61005/61006) asks for the same restart through `restart`.
 */
export class TicketPushKeeper {
  readonly #options: TicketPushOptions;
  readonly #components: ReadonlyMap<string, ComponentConfig>;
  readonly #lastErrors = new Map<string, string>();
  #cancel: (() => void) | undefined;
  #stopped = false;

  constructor(options: TicketPushOptions) {
    this.#options = options;
    this.#components = new Map(options.components.map((c) => [c.appId, c]));
  }

  /** Checks every component now, then every `checkEveryMs` (unref'd timers of the injected clock). */
  start(): void {
    if (this.#components.size === 0) return;
    this.#stopped = false;
    const tick = () => {
      void Promise.allSettled([...this.#components.keys()].map((id) => this.check(id))).then(() => {
        if (!this.#stopped)
          this.#cancel = this.#options.clock.setTimeout(
            tick,
            this.#options.checkEveryMs ?? TICKET_CHECK_EVERY_MS,
          );
      });
    };
    tick();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Looks at the component's ticket and restarts the push when it is missing or stale (spaced). */
  async check(componentAppId: string): Promise<TicketCheck> {
    const { tickets, clock } = this.#options;
    const [ticket, last] = await Promise.all([
      tickets.latest(componentAppId),
      this.#lastRestart(componentAppId),
    ]);
    const now = clock.now();
    const state = ticketState(ticket, now);
    if (state === 'FRESH') return 'fresh';
    if (!shouldRestartPush(state, last, now)) return 'spaced';
    const reason = state === 'MISSING' ? 'no verify ticket yet' : 'no verify ticket newer than 20 minutes';
    return this.restart(componentAppId, reason);
  }

  /**
   * Calls api_start_push_ticket unless some replica did within the last 10 minutes (a claim in the
   * shared store: of replicas that decide at the same moment, one calls WeChat).
   */
  async restart(componentAppId: string, reason: string): Promise<TicketCheck> {
    const { holds, logger, api } = this.#options;
    const component = this.#components.get(componentAppId);
    if (!component) return 'failed';
    if (!(await holds.claim(pushRestartKey(componentAppId), PUSH_RESTART_GAP_MS)).ok) return 'spaced';
    try {
      await api.startPushTicket({ componentAppId, componentAppSecret: component.appSecret });
      this.#lastErrors.delete(componentAppId);
      logger.warn(
        { component: componentAppId, reason },
        `Asked WeChat to restart the verify-ticket push (api_start_push_ticket): ${reason}; the next restart comes 10 minutes later at the earliest`,
      );
      return 'restarted';
    } catch (error) {
      const code = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
      this.#lastErrors.set(componentAppId, code);
      logger.warn(
        { component: componentAppId, reason, code, err: this.#options.redactor?.errorText(error) ?? code },
        'api_start_push_ticket failed; asked again 10 minutes later at the earliest',
      );
      return 'failed';
    }
  }

  /** The component's ticket state, age and last push restart; reads the store, never calls WeChat. */
  async status(componentAppId: string): Promise<TicketPushStatus> {
    const [ticket, last] = await Promise.all([
      this.#options.tickets.latest(componentAppId),
      this.#lastRestart(componentAppId),
    ]);
    const now = this.#options.clock.now();
    const lastError = this.#lastErrors.get(componentAppId);
    return {
      componentAppId,
      state: ticketState(ticket, now),
      ...(ticket && {
        receivedAt: new Date(ticket.receivedAt),
        ageSeconds: Math.max(0, Math.floor((now - ticket.receivedAt) / 1000)),
      }),
      ...(last !== undefined && { pushRestartedAt: new Date(last) }),
      ...(lastError && { lastRestartError: lastError }),
    };
  }

  /** When some replica last restarted the push, while the gap after it lasts (the claim's hold). */
  async #lastRestart(componentAppId: string): Promise<number | undefined> {
    const heldMs = await this.#options.holds.heldForMs(pushRestartKey(componentAppId));
    return heldMs > 0 ? this.#options.clock.now() - (PUSH_RESTART_GAP_MS - heldMs) : undefined;
  }
}
