import type { ApiDomainIps } from '../../services/api-domain-ip-cache.js';
import { builder } from '../builder.js';

export const ApiDomainIpsRef = builder.objectRef<ApiDomainIps>('ApiDomainIps').implement({
  description:
    'The addresses of WeChat’s API domain (`/cgi-bin/get_api_domain_ip`), for egress firewall rules.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID whose token fetched the list.' }),
    ips: t.exposeStringList('ips', {
      description: 'IPv4/IPv6 addresses that api.weixin.qq.com resolves to, possibly in CIDR notation.',
    }),
    fetchedAt: t.expose('fetchedAt', {
      type: 'DateTime',
      description: 'When the gateway fetched the list from WeChat (it is cached for a short while).',
    }),
  }),
});
