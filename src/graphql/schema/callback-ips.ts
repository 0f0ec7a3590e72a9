import type { CallbackIps } from '../../services/callback-ip-cache.js';
import { builder } from '../builder.js';

export const CallbackIpsRef = builder.objectRef<CallbackIps>('CallbackIps').implement({
  description: 'The addresses WeChat sends callbacks from (`/cgi-bin/getcallbackip`), for firewall rules.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID whose token fetched the list.' }),
    ips: t.exposeStringList('ips', {
      description: 'IPv4/IPv6 addresses, some in CIDR notation (e.g. "101.226.103.0/25").',
    }),
    fetchedAt: t.expose('fetchedAt', {
      type: 'DateTime',
      description: 'When the gateway fetched the list from WeChat (it is cached for a short while).',
    }),
  }),
});
