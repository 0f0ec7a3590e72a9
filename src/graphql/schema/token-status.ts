import type { TokenStatus } from '../../token/types.js';
import { builder } from '../builder.js';
import { TokenErrorRef } from './token-error.js';
import { TokenStateEnum } from './token-state.js';

export const TokenStatusRef = builder.objectRef<TokenStatus>('TokenStatus').implement({
  description: 'The state of one app’s access token as cached by the gateway.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    name: t.exposeString('name', { description: 'The app’s display name from the configuration.' }),
    state: t.expose('state', { type: TokenStateEnum, description: 'Whether the token is usable.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When WeChat stops accepting the token; null when none is cached.',
    }),
    expiresInSeconds: t.exposeInt('expiresInSeconds', {
      nullable: true,
      description: 'Whole seconds until `expiresAt` (0 once expired); null when none is cached.',
    }),
    obtainedAt: t.expose('obtainedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When WeChat issued the token; null when none is cached.',
    }),
    accessToken: t.exposeString('accessToken', {
      nullable: true,
      authScopes: { 'token:read': true },
      description:
        'The access token itself. Requires scope `token:read`: without it the field is null and a FORBIDDEN error names the missing scope.',
    }),
    lastError: t.field({
      type: TokenErrorRef,
      nullable: true,
      description: 'The last failure to obtain a token, if the last attempt failed.',
      resolve: (status) => status.lastError ?? null,
    }),
    circuitOpenUntil: t.expose('circuitOpenUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'Set while a WeChat quota window blocks upstream calls for this app.',
    }),
    renewalOnRejectionBlockedUntil: t.expose('renewalOnRejectionBlockedUntil', {
      type: 'DateTime',
      nullable: true,
      description:
        'Set while WeChat rejected a token obtained moments ago: until then it is not renewed again, and API calls that meet the rejection answer WECHAT_TOKEN_REJECTED (retryable, with `retryAfterSeconds`).',
    }),
    degraded: t.exposeBoolean('degraded', {
      description: 'True when the shared store is down and this replica serves from its local fallback.',
    }),
  }),
});
