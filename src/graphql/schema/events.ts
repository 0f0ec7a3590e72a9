import { builder } from '../builder.js';
import { type TokenEventView, tokenEventStream } from '../token-event-stream.js';
import { appIdArg, forApp } from './app-scoped.js';

/** The events domain: what happens to an app's token, streamed over SSE from every replica. */

const TokenEventTypeEnum = builder.enumType('TokenEventType', {
  description: 'What happened to an app’s access token.',
  values: {
    REFRESHED: {
      description: 'A new token was stored (by any replica); see `reason`, `fingerprint`, `expiresAt`.',
    },
    INVALIDATED: {
      description: 'WeChat rejected the cached token and it was dropped; a new one is fetched on demand.',
    },
    ERROR: { description: 'Obtaining a token failed on this replica; see `code` and `message`.' },
    AUTHORIZED: { description: 'An account authorized an Open Platform component (the event’s appId).' },
    AUTHORIZATION_UPDATED: { description: 'An authorizer changed the permissions it grants its component.' },
    UNAUTHORIZED: { description: 'An authorizer revoked its authorization: its tokens were deleted.' },
  } as const,
});

const RefreshReasonEnum = builder.enumType('RefreshReason', {
  description: 'Why a token was fetched.',
  values: {
    COLD: { value: 'cold', description: 'None was cached.' },
    MARGIN: { value: 'margin', description: 'The cached one was about to expire.' },
    INVALIDATED: { value: 'invalidated', description: 'WeChat rejected the cached one.' },
    FORCED: { value: 'forced', description: 'A caller forced a refresh (`refreshToken(force: true)`).' },
  } as const,
});

const TokenEventRef = builder.objectRef<TokenEventView>('TokenEvent').implement({
  description:
    'Something that happened to an app’s access token. Tokens are named by fingerprint, never shown.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    type: t.expose('type', { type: TokenEventTypeEnum, description: 'What happened.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When this replica heard of it.' }),
    reason: t.expose('reason', {
      type: RefreshReasonEnum,
      nullable: true,
      description: 'Why the token was fetched (REFRESHED only).',
    }),
    fingerprint: t.exposeString('fingerprint', {
      nullable: true,
      description:
        'A short, non-reversible name of the token stored or dropped (REFRESHED, INVALIDATED), as in the gateway’s logs.',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When WeChat stops accepting the new token (REFRESHED only).',
    }),
    code: t.exposeString('code', {
      nullable: true,
      description: 'The error code, as in GraphQL error extensions (ERROR only).',
    }),
    message: t.exposeString('message', {
      nullable: true,
      description: 'What went wrong and how to fix it, redacted (ERROR only).',
    }),
    background: t.exposeBoolean('background', {
      nullable: true,
      description: 'Whether the failed attempt was a background refresh rather than a caller’s (ERROR only).',
    }),
  }),
});

builder.subscriptionField('tokenEvents', (t) =>
  t.field({
    type: TokenEventRef,
    description:
      'Token refreshes, invalidations and failures of one app as they happen, on whichever replica: over Server-Sent Events (`accept: text/event-stream`). Carries no token: re-read it (`tokenStatus { accessToken }`, scope `token:read`) when it changes.',
    args: { appId: t.arg.id(appIdArg) },
    subscribe: forApp((appId, _args, context) => tokenEventStream(context.tokens, appId)),
    resolve: (event: TokenEventView) => event,
  }),
);
