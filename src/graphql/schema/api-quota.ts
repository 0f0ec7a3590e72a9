import type { AppApiQuota } from '../../services/wechat-ops.js';
import { builder } from '../builder.js';

export const ApiQuotaRef = builder.objectRef<AppApiQuota>('ApiQuota').implement({
  description:
    'Today’s quota of one WeChat API for an app (`/cgi-bin/openapi/quota/get`). Quotas reset at midnight UTC+8, or with `clearQuota`.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    cgiPath: t.exposeString('cgiPath', { description: 'The API path asked about, e.g. "/cgi-bin/token".' }),
    dailyLimit: t.exposeInt('dailyLimit', { description: 'Calls allowed per day.' }),
    used: t.exposeInt('used', { description: 'Calls made today.' }),
    remain: t.exposeInt('remain', { description: 'Calls left today; at 0 WeChat answers 45009.' }),
  }),
});
