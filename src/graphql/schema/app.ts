import type { AppSummary } from '../../token/types.js';
import { builder } from '../builder.js';
import { CallbackIpsRef } from './callback-ips.js';
import { TokenStatusRef } from './token-status.js';

export const AppRef = builder.objectRef<AppSummary>('App').implement({
  description:
    'A WeChat Official Account configured on this gateway. Its nested fields are nullable, so one failing app yields an error for that app only and data for the others.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    name: t.exposeString('name', { description: 'The display name from the configuration.' }),
    tokenMode: t.exposeString('tokenMode', {
      description: 'How tokens are fetched: `stable` (/cgi-bin/stable_token) or `classic` (/cgi-bin/token).',
    }),
    tokenStatus: t.field({
      type: TokenStatusRef,
      nullable: true,
      description:
        'The cached token’s state; reads the store, never calls WeChat. Null with an error if the read fails.',
      resolve: (app, _args, context) => context.loaders.status.load(app.appId),
    }),
    callbackIps: t.field({
      type: CallbackIpsRef,
      nullable: true,
      authScopes: { 'wechat:read': true },
      description:
        'WeChat’s callback addresses (needs scope `wechat:read`). Null with an error if WeChat fails.',
      resolve: (app, _args, context) => context.loaders.callbackIps.load(app.appId),
    }),
  }),
});
