import type { ComponentConfig } from '../config/components.js';
import type { AuthorizerState } from '../store/ports.js';
import type { RecoveryProgress } from './authorizer-recovery.js';
import type { Authorizers } from './authorizers.js';
import type { LastError } from './engine.js';
import type { CredentialState } from './state.js';
import type { TicketPushStatus } from './ticket-push.js';
import type { TokenStatus } from './types.js';

export interface CredentialStatus {
  state: CredentialState;
  expiresAt?: Date;
  lastError?: LastError;
}

/** A component as operators see it (/ready, /status, /metrics): states and counts, never a value. */
export interface ComponentSummary {
  appId: string;
  name: string;
  verifyTicket: TicketPushStatus;
  token: CredentialStatus;
  authorizers: Record<AuthorizerState, number>;
  /** The last recovery from the authorizer list: its state and counts (never a token). */
  recovery?: RecoveryProgress;
}

/** Every component's ticket, token and authorizer counts; reads the store, never calls WeChat. */
export function componentSummaries(manager: {
  list(): ComponentConfig[];
  keeper: { status(componentAppId: string): Promise<TicketPushStatus> };
  componentTokenStatus(componentAppId: string): Promise<CredentialStatus>;
  authorizers: Pick<Authorizers, 'counts' | 'recoveryProgress'>;
}): Promise<ComponentSummary[]> {
  return Promise.all(
    manager.list().map(async (c) => {
      const [verifyTicket, token, authorizers, recovery] = await Promise.all([
        manager.keeper.status(c.appId),
        manager.componentTokenStatus(c.appId),
        manager.authorizers.counts(c.appId),
        manager.authorizers.recoveryProgress(c.appId).catch(() => undefined),
      ]);
      return {
        appId: c.appId,
        name: c.name,
        verifyTicket,
        token,
        authorizers,
        ...(recovery && { recovery }),
      };
    }),
  );
}

/** What operators see of a token (/ready, /status, /metrics): its state, expiry and last error. */
export function credentialStatusOf({ state, expiresAt, lastError }: TokenStatus): CredentialStatus {
  return { state, ...(expiresAt && { expiresAt }), ...(lastError && { lastError }) };
}
