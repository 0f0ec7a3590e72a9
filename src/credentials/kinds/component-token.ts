import { ComponentTicketInvalidError } from '../../errors.js';
import type { CredentialKey } from '../../store/ports.js';
import { COMPONENT_API_PATHS, type ComponentWeChatApi } from '../../wechat/component-api.js';
import type { ComponentTickets } from '../../wechat/component-ticket.js';
import { type CredentialKind, catalogVerdict, ROTATION_OVERLAP_MS } from '../kind.js';

/** The kind name of a component's access token (`component_access_token`), under the component's appId. */
export const COMPONENT_TOKEN = 'component-token';

/** Where a component's token is kept: its kind under the component's appId. */
export function componentTokenKey(componentAppId: string): CredentialKey {
  return { appId: componentAppId, kind: COMPONENT_TOKEN };
}

export interface ComponentTokenKindOptions {
  /** The configured component's AppSecret. */
  secretOf(componentAppId: string): string;
  tickets: Pick<ComponentTickets, 'latest'>;
  api: Pick<ComponentWeChatApi, 'componentToken'>;
  /** Asks WeChat to push a new verify ticket (spaced across replicas); not awaited. */
  restartPush(componentAppId: string, reason: string): void;
}

/**
 * A third-party platform's component token: obtained with the latest stored verify ticket, never on a
 * push (a new token retires the previous one after about 5 minutes, so fetching on every push would cut
 * the life of every token to minutes). No ticket, or the ticket WeChat last refused (61005/61006), is
 * `COMPONENT_TICKET_INVALID` without a call, and asks for a push restart.
 */
export function componentTokenKind(options: ComponentTokenKindOptions): CredentialKind {
  /** componentAppId → the ticket WeChat refused: asking again with it would be refused again. */
  const refused = new Map<string, string>();
  const noTicket = (componentAppId: string, why: string): never => {
    options.restartPush(componentAppId, why);
    throw new ComponentTicketInvalidError(componentAppId, why);
  };
  return {
    name: COMPONENT_TOKEN,
    noun: 'component access token',
    secret: true,
    forceable: false,
    renewal: 'eager',
    endpoints: () => [COMPONENT_API_PATHS.componentToken],
    async obtain(componentAppId) {
      const ticket = await options.tickets.latest(componentAppId);
      if (!ticket) return noTicket(componentAppId, 'no verify ticket has been pushed yet');
      if (refused.get(componentAppId) === ticket.ticket)
        return noTicket(componentAppId, 'WeChat refused the latest verify ticket');
      try {
        const issued = await options.api.componentToken(
          { componentAppId, componentAppSecret: options.secretOf(componentAppId) },
          ticket.ticket,
        );
        refused.delete(componentAppId);
        return { value: issued.value, expiresInSeconds: issued.expiresInSeconds };
      } catch (error) {
        if ((error as { reaction?: string }).reaction === 'restart-ticket-push') {
          refused.set(componentAppId, ticket.ticket);
          options.restartPush(componentAppId, 'WeChat refused the verify ticket (61005/61006)');
        }
        throw error;
      }
    },
    // A second api_component_token retires the first after about 5 minutes: only the lease holder asks.
    lifetime: () => ({ expires: { earlyWindowMs: 0, previousValidForMs: ROTATION_OVERLAP_MS } }),
    verdict: (error) => catalogVerdict(error, true),
  };
}
