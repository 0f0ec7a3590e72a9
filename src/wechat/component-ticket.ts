import type { Redactor } from '../redact.js';
import { type CredentialStore, NEVER_EXPIRES } from '../store/ports.js';

/**
 * The `component_verify_ticket` of each component, durable and shared by every replica. WeChat pushes
 * it every 10 minutes, it is valid 12 hours and no API returns it: it is stored without a TTL, fenced
 * by the push's `CreateTime`, so an older ticket (a replayed or late push) never replaces a newer one.
 */

/** The credential kind the ticket is stored under, within the component's appId. */
export const VERIFY_TICKET_KIND = 'component:verify-ticket';

/** A ticket no newer than this asks WeChat to push again (`api_start_push_ticket`). */
export const TICKET_STALE_MS = 20 * 60_000;

/** At most one push restart per component within this long. */
export const PUSH_RESTART_GAP_MS = 10 * 60_000;

export interface VerifyTicket {
  ticket: string;
  /** Epoch milliseconds of the push's CreateTime. */
  receivedAt: number;
}

export type TicketState = 'MISSING' | 'STALE' | 'FRESH';

/** Whether the ticket is there and recent enough that WeChat is still pushing. */
export function ticketState(
  ticket: Pick<VerifyTicket, 'receivedAt'> | undefined,
  nowMs: number,
): TicketState {
  if (!ticket) return 'MISSING';
  return nowMs - ticket.receivedAt > TICKET_STALE_MS ? 'STALE' : 'FRESH';
}

/** Whether to call api_start_push_ticket now: no fresh ticket and no restart within the gap. */
export function shouldRestartPush(
  state: TicketState,
  lastRestartMs: number | undefined,
  nowMs: number,
): boolean {
  if (state === 'FRESH') return false;
  return lastRestartMs === undefined || nowMs - lastRestartMs >= PUSH_RESTART_GAP_MS;
}

/**
 * The one owner of the components' verify tickets (the push endpoint saves them, the component-token
 * kind and the push keeper read them): every ticket it handles, pushed here or read from the store
 * (another replica received it), is taught to the gateway's redaction first, as the credential engine
 * does with tokens, so a piece of it echoed by WeChat never leaves in clear.
 */
export class ComponentTickets {
  constructor(
    private readonly store: CredentialStore,
    private readonly redactor: Pick<Redactor, 'learnCredential'>,
  ) {}

  /** Stores a pushed ticket; false when a newer one (a later CreateTime) is already stored. */
  async save(componentAppId: string, ticket: string, createTimeSeconds: number): Promise<boolean> {
    this.#learn(componentAppId, ticket);
    return this.store.set(
      { appId: componentAppId, kind: VERIFY_TICKET_KIND },
      {
        value: ticket,
        expiresAt: NEVER_EXPIRES,
        obtainedAt: createTimeSeconds * 1000,
        fence: createTimeSeconds,
      },
      'forced',
    );
  }

  async latest(componentAppId: string): Promise<VerifyTicket | undefined> {
    const stored = await this.store.get({ appId: componentAppId, kind: VERIFY_TICKET_KIND });
    if (stored) this.#learn(componentAppId, stored.value);
    return stored && { ticket: stored.value, receivedAt: stored.obtainedAt };
  }

  /** Held per component: the ticket it replaces joins the recently retired values (redact.ts). */
  #learn(componentAppId: string, ticket: string): void {
    this.redactor.learnCredential(ticket, `${componentAppId}/${VERIFY_TICKET_KIND}`);
  }
}
