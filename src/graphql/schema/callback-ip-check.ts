import { type IpRange, parseIpRanges } from '../../net/ip-ranges.js';
import { type CallbackIpCheck, checkCallbackIp } from '../../services/callback-ip-check.js';
import { builder } from '../builder.js';
import { appIdArg, forApp } from './app-scoped.js';
import { ApiDomainIpsRef, CallbackIpsRef } from './wechat-ips.js';

const IpRangeRef = builder.objectRef<IpRange>('IpRange').implement({
  description: 'One entry of a WeChat address list as a range (a plain address is a range of one).',
  fields: (t) => ({
    cidr: t.exposeString('cidr', { description: 'The range in CIDR notation, e.g. "101.226.103.0/25".' }),
    address: t.exposeString('address', { description: 'Its first (network) address.' }),
    prefixLength: t.exposeInt('prefixLength', {
      description: 'Bits fixed by the range: 32 or 128 for one address.',
    }),
    version: t.exposeInt('version', { description: '4 or 6.' }),
  }),
});

for (const ref of [CallbackIpsRef, ApiDomainIpsRef]) {
  builder.objectField(ref, 'ranges', (t) =>
    t.field({
      type: [IpRangeRef],
      description: '`ips` parsed as ranges, for firewall rules and matching.',
      resolve: (list) => parseIpRanges(list.ips),
    }),
  );
}

const CallbackIpCheckRef = builder.objectRef<CallbackIpCheck>('CallbackIpCheck').implement({
  description:
    'Whether an address is inside WeChat’s callback ranges. WeChat’s list is known to be incomplete: verify callbacks by their signature first and treat this as a second check.',
  fields: (t) => ({
    ip: t.exposeString('ip', {
      description: 'The address checked, normalised (`::ffff:1.2.3.4` → `1.2.3.4`).',
    }),
    allowed: t.exposeBoolean('allowed', { description: 'True when a range of the list holds it.' }),
    matchedRange: t.exposeString('matchedRange', {
      nullable: true,
      description: 'The range that holds it (CIDR); null when none does.',
    }),
  }),
});

builder.queryField('callbackIpCheck', (t) =>
  t.field({
    type: CallbackIpCheckRef,
    authScopes: { 'wechat:read': true },
    description:
      'Is this source address one of WeChat’s callback addresses (the cached `callbackIps` list, CIDR ranges included)? Needs scope `wechat:read`. Not an address: BAD_USER_INPUT.',
    args: {
      appId: t.arg.id(appIdArg),
      ip: t.arg.string({ required: true, description: 'The source address of a request, IPv4 or IPv6.' }),
    },
    resolve: forApp(async (appId, args, context) => {
      // Refused before the list is fetched: bad input costs WeChat nothing.
      checkCallbackIp(appId, args.ip, []);
      const list = await context.loaders.callbackIps.load(appId);
      return checkCallbackIp(appId, args.ip, list.ips);
    }),
  }),
);
