import { builder } from '../builder.js';
import './date-time.js';
import './token-state.js';
import './token-error.js';
import './token-status.js';
import './callback-ips.js';
import './app.js';
import './apps-query.js';
import './token-status-query.js';
import './callback-ips-query.js';
import './refresh-token-mutation.js';
import './token-events.js';
import './api-domain-ips-query.js';
import './api-quota-query.js';
import './clear-quota-mutation.js';
import './request-lookup-query.js';
import './jssdk.js';
import './network-check.js';
import './callback-ip-check.js';

builder.queryType({
  description: 'Read the state of WeChat access tokens and call WeChat through the gateway.',
});
builder.mutationType({ description: 'Act on WeChat access tokens and quotas.' });
builder.subscriptionType({ description: 'Follow WeChat access tokens as they change, on every replica.' });

/** The gateway's GraphQL schema, built once from the files of this folder. */
export const schema = builder.toSchema();
