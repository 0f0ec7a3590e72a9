import type { AppCredentials } from '../endpoints.js';
import type { SandboxEndpoint } from './endpoints.js';
import type { Fault, FaultSpec } from './faults.js';
import type { SandboxTicketType } from './frontend-apis.js';
import type { SandboxSettings } from './settings.js';
import type { WeComAppCredentials, WeComTicketKind } from './wecom-apis.js';

/** What a test (in process) or the admin API (over HTTP) can do to a running sandbox. */
export interface SandboxControl {
  /** Registers (or replaces) an app. */
  addApp(app: AppCredentials): void;
  /** Registered appIds; secrets are never listed. */
  appIds(): string[];
  /** Injects a fault; returns it with its id. */
  setFault(spec: FaultSpec): Fault;
  faults(): Fault[];
  clearFaults(): void;
  /** Calls received per endpoint since start or the last reset (faulted calls included). */
  counters(): Record<SandboxEndpoint, number>;
  /**
   * Calls being answered now per endpoint, and the most at once since start, the last reset or
   * `resetConcurrency` (a call counts from its arrival until its connection's answer is sent or dropped).
   */
  concurrency(): { inFlight: Record<SandboxEndpoint, number>; peak: Record<SandboxEndpoint, number> };
  /** Peaks back to the calls in flight now. */
  resetConcurrency(): void;
  /** The app's current tokens fail with 40001 at once, as if another process had rotated them. */
  rotateToken(appId: string): void;
  /** The app's current tokens answer 42001 at once. */
  expireToken(appId: string): void;
  settings(): SandboxSettings;
  configure(patch: Partial<SandboxSettings>): SandboxSettings;
  /** Replaces the callback address list (IPs or CIDR ranges); returns it. */
  setCallbackIps(ips: string[]): string[];
  /** Sets the app's callback URL; `null` removes it (the network check then answers 40201). */
  setCallbackUrl(appId: string, url: string | null): void;
  /** The app's JS-SDK tickets of one type still valid, newest last (never shown by WeChat: sandbox only). */
  validTickets(appId: string, type: SandboxTicketType): string[];
  /** Registers a WeCom app (an agent, or a special secret); returns its id `<corpId>/<agentId|secretName>`. */
  addWeComApp(app: WeComAppCredentials): string;
  /** WeCom's answers to the app: `invalidate` its token early (40014), `expire` it (42001). */
  endWeComToken(appId: string, how: 'invalidate' | 'expire'): void;
  /** Calls of the app answer 60020 while it is not trusted (the app's trusted IPs). */
  setWeComTrusted(appId: string, trusted: boolean): void;
  /** The WeCom app's tickets of one kind still valid, newest last (sandbox only). */
  validWeComTickets(appId: string, type: WeComTicketKind): string[];
  /** Initial apps and settings, no tokens, no faults, zero counters, fresh quotas. */
  reset(): void;
  /** Loses (`false`) or resumes a component's ticket push; WeChat resumes it on api_start_push_ticket. */
  setTicketPush(componentAppId: string, running: boolean): void;
  /** A merchant authorizes (or, `update`, changes) the component for an account; the push is sent to the gateway. */
  authorizeComponent(componentAppId: string, authorizerAppId: string, update: boolean): void;
  /**
   * `count` accounts authorize the component at once, silently (no push: as if before the gateway
   * ran; it learns them from api_get_authorizer_list). Returns their appIds, `wx5ca1e…` in sequence.
   */
  addAuthorizers(componentAppId: string, count: number): string[];
  /** A merchant revokes the authorization; the `unauthorized` push is sent to the gateway. */
  revokeComponent(componentAppId: string, authorizerAppId: string): void;
}
