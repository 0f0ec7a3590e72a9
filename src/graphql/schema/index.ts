import { builder } from '../builder.js';
import './date-time.js';
// One file per domain, each with its types, queries and mutations (as Pothos' complex-app example).
import './tokens.js';
import './wechat-ips.js';
import './wechat-ops.js';
import './events.js';

builder.queryType({
  description: 'Read the state of WeChat access tokens and call WeChat through the gateway.',
});
builder.mutationType({ description: 'Act on WeChat access tokens and quotas.' });
builder.subscriptionType({ description: 'Follow WeChat access tokens as they change, on every replica.' });

/** The gateway's GraphQL schema, built once from the domain files of this folder. */
export const schema = builder.toSchema();
