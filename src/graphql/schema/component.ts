import DataLoader from 'dataloader';
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { ComponentConfig } from '../../config/components.js';
import type { ComponentManager } from '../../credentials/component-manager.js';
import type { TokenStatus } from '../../credentials/types.js';
import { BadUserInputError, ForbiddenError } from '../../errors.js';
import type { AuthorizerRecord } from '../../store/ports.js';
import { isAppId } from '../../wechat/app-id.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { TokenStatusRef } from './tokens.js';

/**
 * The Open Platform domain (issue 26): a third-party platform ("component"), its verify ticket, its
 * token and its authorizers, and the operations that authorize and recover them. Everything needs
 * scope `component:admin`; an authorizer's `tokenStatus.accessToken` also needs `token:read`. Its
 * types and `Query.component` are here, its mutations in component-mutations.ts.
 */

interface ComponentView {
  config: ComponentConfig;
  manager: ComponentManager;
}
interface AuthorizerView {
  componentAppId: string;
  record: AuthorizerRecord;
  manager: ComponentManager;
}
interface Connection {
  edges: { cursor: string; node: AuthorizerView }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

function managerOf(context: GraphQLContext): ComponentManager {
  if (!context.components)
    throw new BadUserInputError(
      'No Open Platform component is configured on this gateway: set WECHAT_COMPONENT_APP_ID, _APP_SECRET, _TOKEN and _AES_KEY.',
    );
  return context.components;
}

export function checkAppIdArg(name: string, value: string | null | undefined): void {
  if (value !== null && value !== undefined && !isAppId(value))
    throw new BadUserInputError(`${name} must be a WeChat AppID ("wx" and 16 hex digits).`);
}

/** A per-request loader's key for an authorizer of a component (appIds never hold a newline). */
const authorizerKey = (componentAppId: string, appId: string) => `${componentAppId}\n${appId}`;

/** Answers loader keys (`authorizerKey`) with one batch per component, in the order asked. */
async function perComponent<V>(
  keys: readonly string[],
  batch: (componentAppId: string, appIds: string[]) => Promise<V[]>,
): Promise<V[]> {
  const byComponent = new Map<string, string[]>();
  for (const key of keys) {
    const [componentAppId = '', appId = ''] = key.split('\n');
    byComponent.set(componentAppId, [...(byComponent.get(componentAppId) ?? []), appId]);
  }
  const answers = new Map<string, V>();
  await Promise.all(
    [...byComponent].map(async ([componentAppId, appIds]) => {
      const values = await batch(componentAppId, appIds);
      for (const [at, appId] of appIds.entries())
        answers.set(authorizerKey(componentAppId, appId), values[at] as V);
    }),
  );
  return keys.map((key) => answers.get(key) as V);
}

/** Per request (its loaders object): authorizers' token statuses, one batch per component. */
const tokenStatusLoaders = new WeakMap<object, DataLoader<string, TokenStatus>>();
function tokenStatusLoader(context: GraphQLContext): DataLoader<string, TokenStatus> {
  let loader = tokenStatusLoaders.get(context.loaders);
  if (!loader) {
    loader = new DataLoader((keys: readonly string[]) =>
      perComponent(keys, (componentAppId, appIds) =>
        managerOf(context).tokenStatuses(componentAppId, appIds),
      ),
    );
    tokenStatusLoaders.set(context.loaders, loader);
  }
  return loader;
}

/** Whether a selection (its fragments included) asks for a field named `name` anywhere below it. */
function selects(info: GraphQLResolveInfo, set: SelectionSetNode | undefined, name: string): boolean {
  return (set?.selections ?? []).some((selection) => {
    if (selection.kind === 'Field')
      return selection.name.value === name || selects(info, selection.selectionSet, name);
    if (selection.kind === 'InlineFragment') return selects(info, selection.selectionSet, name);
    return selects(info, info.fragments[selection.name.value]?.selectionSet, name);
  });
}

const cursorOf = (appId: string) => Buffer.from(`authorizer:${appId}`).toString('base64url');
function afterOf(cursor: string | null | undefined): string | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const text = cursor.length <= 128 ? Buffer.from(cursor, 'base64url').toString() : '';
  if (!text.startsWith('authorizer:'))
    throw new BadUserInputError('after is not a cursor this connection gave.');
  return text.slice('authorizer:'.length);
}

export const AuthorizerStateEnum = builder.enumType('AuthorizerState', {
  description: 'An authorizer’s standing with the component.',
  values: {
    AUTHORIZED: { description: 'Authorized: its token is obtained with its refresh token.' },
    UNAUTHORIZED: {
      description: 'The merchant revoked the authorization: every call is AUTHORIZER_UNAUTHORIZED.',
    },
    REFRESH_TOKEN_INVALID: {
      description:
        'WeChat refused the refresh token and the authorizer list had no working one: the merchant must authorize again (AUTHORIZER_REAUTHORIZATION_REQUIRED).',
    },
  } as const,
});

const VerifyTicketStateEnum = builder.enumType('VerifyTicketState', {
  description: 'Whether WeChat is still pushing the component’s verify ticket.',
  values: {
    FRESH: { description: 'A ticket newer than 20 minutes is stored.' },
    STALE: { description: 'The latest ticket is older than 20 minutes: the push was asked to restart.' },
    MISSING: { description: 'No ticket was ever received: the push was asked to restart.' },
  } as const,
});

export const AccountTypeEnum = builder.enumType('AuthorizationAccountType', {
  description: 'Which accounts the merchant may authorize on the page.',
  values: {
    OFFICIAL_ACCOUNT: { description: 'Official Accounts only (auth_type 1).' },
    MINI_PROGRAM: { description: 'Mini Programs only (auth_type 2).' },
    ALL: { description: 'Both (auth_type 3).' },
  } as const,
});

const VerifyTicketRef = builder
  .objectRef<{ state: 'FRESH' | 'STALE' | 'MISSING'; receivedAt?: Date; ageSeconds?: number }>('VerifyTicket')
  .implement({
    description: 'The component’s latest `component_verify_ticket`, never the ticket itself.',
    fields: (t) => ({
      state: t.expose('state', { type: VerifyTicketStateEnum, description: 'Whether it is recent.' }),
      receivedAt: t.expose('receivedAt', {
        type: 'DateTime',
        nullable: true,
        description: 'When WeChat created it (its push’s CreateTime); null when none.',
      }),
      ageSeconds: t.exposeInt('ageSeconds', { nullable: true, description: 'Its age in whole seconds.' }),
    }),
  });

export const AuthorizerRef = builder.objectRef<AuthorizerView>('Authorizer').implement({
  description: 'An account that authorized the component. Its refresh token is never shown.',
  fields: (t) => ({
    appId: t.id({ description: 'The authorizer’s AppID.', resolve: (a) => a.record.appId }),
    state: t.field({
      type: AuthorizerStateEnum,
      description: 'Whether its token can be obtained.',
      resolve: (a) => a.record.state,
    }),
    authorizedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it authorized the component (as WeChat or the push said).',
      resolve: (a) => (a.record.authorizedAt === undefined ? null : new Date(a.record.authorizedAt)),
    }),
    permissions: t.intList({
      description: 'The permission-set ids granted (`func_info`).',
      resolve: (a) => a.record.permissions,
    }),
    // Every authorizer of one request in one batch per component (a page costs a constant number of
    // store commands, not one per node); a page asks for its statuses with its records (below).
    tokenStatus: t.field({
      type: TokenStatusRef,
      description: 'Its authorizer token as cached (read from the store, never from WeChat).',
      resolve: (a, _args, context) =>
        tokenStatusLoader(context).load(authorizerKey(a.componentAppId, a.record.appId)),
    }),
  }),
});

const AuthorizerEdgeRef = builder.objectRef<Connection['edges'][number]>('AuthorizerEdge').implement({
  description: 'One authorizer of a page, with its cursor.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', {
      description: 'Pass it as `after` for the authorizers after this one.',
    }),
    node: t.field({ type: AuthorizerRef, description: 'The authorizer.', resolve: (e) => e.node }),
  }),
});

const PageInfoRef = builder.objectRef<Connection['pageInfo']>('PageInfo').implement({
  description: 'Where a page ends (Relay connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'Whether more follow this page.' }),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: 'The last edge’s cursor; null on an empty page.',
    }),
  }),
});

const AuthorizerConnectionRef = builder.objectRef<Connection>('AuthorizerConnection').implement({
  description: 'A page of authorizers, ordered by appId.',
  fields: (t) => ({
    edges: t.field({
      type: [AuthorizerEdgeRef],
      description: 'This page’s authorizers.',
      resolve: (c) => c.edges,
    }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Whether more follow.', resolve: (c) => c.pageInfo }),
    totalCount: t.exposeInt('totalCount', { description: 'Authorizers matching the filter, on every page.' }),
  }),
});

const ComponentRef = builder.objectRef<ComponentView>('Component').implement({
  description: 'An Open Platform third-party platform the gateway acts for.',
  fields: (t) => ({
    appId: t.id({ description: 'The component’s AppID.', resolve: (c) => c.config.appId }),
    name: t.string({
      description: 'Its display name from the configuration.',
      resolve: (c) => c.config.name,
    }),
    verifyTicket: t.field({
      type: VerifyTicketRef,
      description: 'Its latest verify ticket’s state and age (the push is restarted when it is not FRESH).',
      resolve: (c) => c.manager.ticketStatus(c.config.appId),
    }),
    tokenStatus: t.field({
      type: TokenStatusRef,
      description: 'The component token as cached (read from the store, never from WeChat).',
      resolve: (c) => c.manager.tokenStatus(c.config.appId),
    }),
    // Aliases asking several authorizers of one request read their records in one batch.
    authorizer: t.loadable({
      type: AuthorizerRef,
      nullable: true,
      description: 'One authorizer of the component; null when the component does not know it.',
      args: { appId: t.arg.id({ required: true, description: 'The authorizer’s AppID.' }) },
      load: async (keys: string[], context: GraphQLContext) => {
        const manager = managerOf(context);
        return perComponent(keys, async (componentAppId, appIds) =>
          (await manager.authorizers.getMany(componentAppId, appIds)).map((record) =>
            record ? { componentAppId, record, manager } : null,
          ),
        );
      },
      resolve: (c, args) => {
        checkAppIdArg('appId', String(args.appId));
        return authorizerKey(c.config.appId, String(args.appId));
      },
    }),
    authorizers: t.field({
      type: AuthorizerConnectionRef,
      description: 'The component’s authorizers, ordered by appId, a page at a time.',
      args: {
        first: t.arg.int({ description: `At most ${MAX_PAGE}; default ${DEFAULT_PAGE}.` }),
        after: t.arg.string({ description: 'The `cursor` of the edge this page follows.' }),
        state: t.arg({ type: AuthorizerStateEnum, description: 'Only authorizers in this state.' }),
      },
      resolve: async (c, args, context, info) => {
        const first = args.first ?? DEFAULT_PAGE;
        if (first < 0 || first > MAX_PAGE) throw new BadUserInputError(`first must be 0 to ${MAX_PAGE}.`);
        const after = afterOf(args.after);
        const state = args.state ?? undefined;
        const componentAppId = c.config.appId;
        const page = await c.manager.authorizers.pageIds(componentAppId, {
          first,
          ...(after !== undefined && { after }),
          ...(state && { state }),
        });
        // The records and, when asked for, the tokens' statuses are read in the same turn: one store
        // read (one MGET per slot) for both, not one after the other.
        const asksStatus = info.fieldNodes.some((node) => selects(info, node.selectionSet, 'tokenStatus'));
        const [found] = await Promise.all([
          c.manager.authorizers.getMany(componentAppId, page.appIds),
          asksStatus &&
            tokenStatusLoader(context).loadMany(
              page.appIds.map((appId) => authorizerKey(componentAppId, appId)),
            ),
        ]);
        const records = found.flatMap((record) => (record ? [record] : []));
        const edges = records.map((record) => ({
          cursor: cursorOf(record.appId),
          node: { componentAppId, record, manager: c.manager },
        }));
        return {
          edges,
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
          totalCount: page.totalCount,
        };
      },
    }),
  }),
});

export const componentAppIdArg = {
  description: 'The component’s AppID; may be left out when exactly one component is configured.',
} as const;

/**
 * A key limited to apps or components (`appIds`, `componentAppIds`) acts on nothing else: it may read
 * `Query.component` of its components only, and use no component mutation (they need a key that is
 * not limited).
 */
export function componentOf(
  context: GraphQLContext,
  componentAppId: string | null | undefined,
  use: 'read' | 'mutate' = 'mutate',
): ComponentView {
  checkAppIdArg('componentAppId', componentAppId);
  const manager = managerOf(context);
  const config = manager.resolve(componentAppId);
  const { appIds, componentAppIds } = context.caller;
  if ((appIds || componentAppIds) && !(use === 'read' && componentAppIds?.has(config.appId))) {
    throw new ForbiddenError(
      use === 'read'
        ? `This API key may not act on component ${config.appId}.`
        : `This API key is limited to some apps or components: ${config.appId}'s component mutations need a key that is not limited.`,
    );
  }
  return { config, manager };
}

builder.queryField('component', (t) =>
  t.field({
    type: ComponentRef,
    authScopes: { 'component:admin': true },
    description:
      'An Open Platform component: its verify ticket, token and authorizers. Needs scope `component:admin`.',
    args: { componentAppId: t.arg.id(componentAppIdArg) },
    resolve: (_root, args, context) => componentOf(context, args.componentAppId?.toString(), 'read'),
  }),
);
