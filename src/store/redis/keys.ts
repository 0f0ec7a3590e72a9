import { redact } from '../../redact.js';
import { appOfHoldKey, type CredentialKey } from '../ports.js';

/** The credential kind whose keys predate kinds: it keeps them, so replicas of both versions share tokens. */
export const TOKEN_KIND = 'token';

/**
 * Kinds whose key would be another key of the app: `lock` and `fence` are the token's lease and fence,
 * `lock:…`, `fence:…` and `hold:…` the other kinds' leases and fences and the holds, `holds-until` the
 * end of its holds, `authorizer:…` its records as an authorizer.
 */
const RESERVED_KIND = /^(?:lock|fence|events|authorizers|holds-until)$|^(?:lock|fence|hold|authorizer):/;

function part(name: string): string {
  if (name.length === 0 || name.length > 200 || /[\s{}]/.test(name) || redact(name) !== name) {
    throw new TypeError(
      'Redis key parts must be 1-200 characters without spaces or braces and must not look like a token or secret; name keys by appId and purpose.',
    );
  }
  return name;
}

function kindOf(key: CredentialKey): string {
  if (RESERVED_KIND.test(key.kind)) {
    throw new TypeError(
      `A credential kind cannot be "${part(key.kind)}": that name is another key of the app.`,
    );
  }
  return part(key.kind);
}

/**
 * Key and channel names under the prefix. Every key of one app carries the appId as its Redis Cluster
 * hash tag (`<prefix>{<appId>}:…`), so an app's keys share one slot and each script touches one slot.
 * Kind `token` keeps the names it had before kinds (`:token`, `:lock`, `:fence`); any other kind is
 * `:<kind>`, `:lock:<kind>` and `:fence:<kind>` (the names tickets' entries and entry locks had). Parts
 * are appIds, kinds and purposes, never credentials.
 */
export function redisKeys(prefix: string) {
  const app = (appId: string) => `${prefix}{${part(appId)}}`;
  return {
    credential: (key: CredentialKey) =>
      key.kind === TOKEN_KIND ? `${app(key.appId)}:token` : `${app(key.appId)}:${kindOf(key)}`,
    /** The credential's lease: held by the one replica obtaining it. */
    lease: (key: CredentialKey) =>
      key.kind === TOKEN_KIND ? `${app(key.appId)}:lock` : `${app(key.appId)}:lock:${kindOf(key)}`,
    /** The credential's fencing counter: grows with every lease, so a lapsed holder cannot overwrite. */
    fence: (key: CredentialKey) =>
      key.kind === TOKEN_KIND ? `${app(key.appId)}:fence` : `${app(key.appId)}:fence:${kindOf(key)}`,
    /** Hold keys are `<purpose>:<appId>[:…]`: the appId (second part) is the hash tag. */
    hold: (key: string) => `${app(appOfHoldKey(key))}:hold:${part(key)}`,
    /**
     * The app's holds mark: lives at least as long as the longest hold of the app set since (each hold
     * and claim lengthens it), so an app without one holds nothing and its holds need not be read.
     */
    holdsUntil: (appId: string) => `${app(appId)}:holds-until`,
    /**
     * The authorizer's record under one component (JSON, durable, no TTL), in the authorizer's own slot
     * beside its tokens: a component's authorizers spread over every slot.
     */
    authorizer: (componentAppId: string, authorizerAppId: string) =>
      `${app(authorizerAppId)}:authorizer:${part(componentAppId)}`,
    /**
     * One shard of the component's index of authorizers in `state`: a sorted set of appIds (score 0,
     * ordered by appId). The states of one shard share its hash tag (a state change is one script).
     */
    authorizerIndex: (componentAppId: string, shard: number, state: string) =>
      `${prefix}{${part(componentAppId)}:authorizers:${shard}}:${part(state)}`,
    /** The previous layout: one hash of appId → record per component, moved away on first use. */
    legacyAuthorizers: (componentAppId: string) => `${app(componentAppId)}:authorizers`,
    /** Sharded channel (SPUBLISH/SSUBSCRIBE) in the app's slot, so notifications stay on its node. */
    channel: (appId: string) => `${app(appId)}:events`,
    /** The appId of one of `channel`'s names, or undefined for any other channel. */
    appOfChannel: (channel: string) =>
      channel.startsWith(prefix)
        ? /^\{([^{}]+)\}:events$/.exec(channel.slice(prefix.length))?.[1]
        : undefined,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * Whether a credential key is an Open Platform authorizer's (kinds `authorizer-token:<component>` and
 * `authorizer-ticket:<type>:<component>`, src/credentials/kinds/authorizer-token.ts): the copies of
 * which a replica keeps a bounded number (`localAuthorizerCacheSize`).
 */
export function isAuthorizerCredentialId(id: string): boolean {
  return /\}:authorizer-(?:token|ticket):/.test(id);
}
