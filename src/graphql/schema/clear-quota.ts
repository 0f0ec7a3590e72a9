import type { ClearQuotaOutcome } from '../../services/wechat-ops.js';
import { builder } from '../builder.js';

export const ClearQuotaResultRef = builder.objectRef<ClearQuotaOutcome>('ClearQuotaResult').implement({
  description: 'What `clearQuota` did: WeChat reset the app’s daily quotas and the gateway resumed calling.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    clearedAt: t.expose('clearedAt', { type: 'DateTime', description: 'When WeChat confirmed the reset.' }),
    clearQuotaCallsSpent: t.exposeInt('clearQuotaCallsSpent', {
      description:
        'clear_quota calls this answer spent of WeChat’s 10 a month: 1. Aliases of the same app in one request share that one call.',
    }),
    nextClearAllowedAt: t.expose('nextClearAllowedAt', {
      type: 'DateTime',
      description:
        'When the next clearQuota of the app may call WeChat (`CLEAR_QUOTA_COOLDOWN_SECONDS`, shared by replicas); before that it answers CLEAR_QUOTA_COOLDOWN without calling WeChat.',
    }),
    reopenedEndpoints: t.exposeStringList('reopenedEndpoints', {
      description:
        'WeChat paths the gateway had stopped calling after a 45009 (daily quota) answer and calls again now, on every replica; empty when none was blocked.',
    }),
  }),
});
