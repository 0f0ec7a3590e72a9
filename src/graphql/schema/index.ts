import { GraphQLSchema } from 'graphql';
import { builder } from '../builder.js';
import './date-time.js';
// One file per domain, each with its types, queries and mutations (as Pothos' complex-app example).
import './tokens.js';
import './wechat-ips.js';
import './open-api.js';
import './events.js';
import './jssdk.js';
import './network-check.js';
import './callback-ip-check.js';
import './component.js';
import './component-mutations.js';

builder.queryType({
  description: 'Read the state of WeChat access tokens and call WeChat through the gateway.',
});
builder.mutationType({ description: 'Act on WeChat access tokens and quotas.' });
builder.subscriptionType({ description: 'Follow WeChat access tokens as they change, on every replica.' });

/** What GraphiQL's docs pane and the printed schema say first. */
const DESCRIPTION = `wxtoken-gateway owns the WeChat Official Account access_tokens of its apps: it obtains them, shares one per app across replicas, renews them before they expire, and calls WeChat with them.

Send an API key as \`x-api-key: <key>\` or \`Authorization: Bearer <key>\`. Any valid key reads \`tokenStatus\`, \`apps\` and \`tokenEvents\`; \`token:read\` also reads \`accessToken\`, \`token:refresh\` runs \`refreshToken\`, \`wechat:read\` reads \`callbackIps\`, \`apiDomainIps\`, \`apiQuota\`, \`callbackIpCheck\` and \`networkCheck\`, \`wechat:admin\` runs \`clearQuota\` and \`requestLookup\`, \`jssdk:sign\` signs web pages with \`jsSdkConfig\` and \`cardSignature\` (it never sees a token or ticket), \`component:admin\` reads Open Platform components with \`component\` and runs \`authorizationUrl\`, \`completeAuthorization\`, \`recoverAuthorizers\` and \`restartTicketPush\`.

Every error carries \`extensions.code\` and \`retryable\` (and \`retryAfterSeconds\` when known); WeChat's own answers add \`errcode\`, \`errmsg\` and \`rid\`. \`tokenEvents\` streams token changes over Server-Sent Events.`;

/** The gateway's GraphQL schema, built once from the domain files of this folder. */
export const schema = new GraphQLSchema({ ...builder.toSchema().toConfig(), description: DESCRIPTION });
