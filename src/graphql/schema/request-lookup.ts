import type { RequestLookup } from '../../services/wechat-ops.js';
import { builder } from '../builder.js';

export const RequestLookupRef = builder.objectRef<RequestLookup>('RequestLookup').implement({
  description:
    'What WeChat recorded about one request (`/cgi-bin/openapi/rid/get`), found by the rid of its error. Tokens and secrets in the recorded URL and bodies are replaced by [REDACTED].',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    rid: t.exposeString('rid', { description: 'The request id looked up.' }),
    invokedAt: t.field({
      type: 'DateTime',
      description: 'When WeChat received the request (whole seconds).',
      resolve: (lookup) => new Date(lookup.invokeTime * 1000),
    }),
    costInMs: t.exposeInt('costInMs', { description: 'How long WeChat took to answer it.' }),
    requestUrl: t.exposeString('requestUrl', { description: 'The path and query called, redacted.' }),
    requestBody: t.exposeString('requestBody', { description: 'The request body, redacted; empty for GET.' }),
    responseBody: t.exposeString('responseBody', { description: 'WeChat’s answer, redacted.' }),
    clientIp: t.exposeString('clientIp', { description: 'The address WeChat saw the request come from.' }),
  }),
});
