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

builder.queryType({
  description: 'Read the state of WeChat access tokens and call WeChat through the gateway.',
});
builder.mutationType({ description: 'Act on WeChat access tokens.' });

/** The gateway's GraphQL schema, built once from the files of this folder. */
export const schema = builder.toSchema();
