import type { ClearQuotaOutcome } from '../../services/wechat-ops.js';
import { builder } from '../builder.js';

export const ClearQuotaResultRef = builder.objectRef<ClearQuotaOutcome>('ClearQuotaResult').implement({
  description: 'What `clearQuota` did: WeChat reset the app’s daily quotas and the gateway resumed calling.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    clearedAt: t.expose('clearedAt', { type: 'DateTime', description: 'When WeChat confirmed the reset.' }),
    reopenedEndpoints: t.exposeStringList('reopenedEndpoints', {
      description:
        'WeChat paths the gateway had stopped calling after a 45009 (daily quota) answer and calls again now, on every replica; empty when none was blocked.',
    }),
  }),
});
