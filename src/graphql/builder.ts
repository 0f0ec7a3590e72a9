import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import { SCOPES, type Scope } from '../auth/scopes.js';
import { ForbiddenError } from '../errors.js';
import type { GraphQLContext } from './context.js';

/** The scopes a field can require: `token:read` sees tokens, `token:refresh` refreshes them, `wechat:read` calls WeChat, `wechat:admin` clears quotas and looks up requests, `jssdk:sign` signs JS-SDK pages. */
type AuthScopes = Record<Scope, boolean>;

/** The scope names a failed check was missing, for a FORBIDDEN message that says what to ask for. */
function missingScopes(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return [failure.scope];
    case AuthScopeFailureType.AllAuthScopes:
    case AuthScopeFailureType.AnyAuthScopes:
      return failure.failures.flatMap(missingScopes);
    default:
      return [];
  }
}

/**
 * Each key's scope map, made once per scope set and shared by every caller of that key: a request
 * builds no map of its own.
 */
const scopeMaps = new WeakMap<ReadonlySet<Scope>, AuthScopes>();

function scopeMapOf(scopes: ReadonlySet<Scope>): AuthScopes {
  let map = scopeMaps.get(scopes);
  if (!map) {
    map = Object.fromEntries(SCOPES.map((scope) => [scope, scopes.has(scope)])) as AuthScopes;
    scopeMaps.set(scopes, map);
  }
  return map;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: AuthScopes;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => scopeMapOf(context.caller.scopes),
    unauthorizedError: (_parent, _context, info, result) => {
      const scopes = missingScopes(result.failure);
      const needs =
        scopes.length > 0 ? ` needs scope ${scopes.map((s) => `"${s}"`).join(' or ')}` : ' is not allowed';
      return new ForbiddenError(`${info.parentType.name}.${info.fieldName}${needs} for this caller.`);
    },
  },
});
