import { closestName, isNearMiss } from './closest-name.js';
import { ConfigError } from './config-error.js';
import { SETTINGS } from './settings.js';

/**
 * Environment variables that look like settings but are none (docs/operations.md, "Misspelled
 * settings"): a misspelled name is otherwise silently ignored, and its setting keeps its default
 * (`WECHAT_API_BASE_URL` sends a development gateway to the real WeChat, `REDIS_URI` leaves production
 * on the in-memory store).
 */

/** Prefixes only this gateway uses: any name under them that is not a setting is a mistake. */
export const OWN_PREFIXES = ['WECHAT_', 'WECOM_', 'GATEWAY_'] as const;

const NAMES: readonly string[] = Object.keys(SETTINGS);

/**
 * Prefixes other programs and platforms use too (`REDIS_`, `GRAPHQL_`, `TOKEN_`, …: the first word of
 * every setting's name): only a near miss of a setting is reported there, never refused.
 */
export const SHARED_PREFIXES: readonly string[] = [
  ...new Set(NAMES.filter((name) => name.includes('_')).map((name) => `${name.split('_')[0]}_`)),
].filter((prefix) => !(OWN_PREFIXES as readonly string[]).includes(prefix));

/**
 * Kubernetes service links: for a Service named `redis` (or `wechat-api`) every pod of its namespace
 * gets `REDIS_SERVICE_HOST`, `REDIS_SERVICE_PORT[_<port name>]`, `REDIS_PORT` and
 * `REDIS_PORT_<port>_<PROTO>[_ADDR|_PORT|_PROTO]`. Recognised by their `_SERVICE_HOST`, so a name of
 * that shape without it is still checked.
 */
function serviceLinkNames(names: readonly string[]): (name: string) => boolean {
  const services = names.filter((name) => name.endsWith('_SERVICE_HOST')).map((name) => name.slice(0, -13));
  return (name) =>
    services.some(
      (service) =>
        name === `${service}_PORT` ||
        name.startsWith(`${service}_PORT_`) ||
        name.startsWith(`${service}_SERVICE_`),
    );
}

export interface UnknownSetting {
  /** The variable's name (never its value: it may be a secret). */
  name: string;
  /** The setting it is closest to. */
  closest: string;
  /** Whether the name is a slip of `closest` (closestName's rule) rather than only the nearest one. */
  near: boolean;
  /** Under one of OWN_PREFIXES: refused in production. */
  own: boolean;
}

/** The variables of `env` that are no setting but look like one, in name order. */
export function findUnknownSettings(env: NodeJS.ProcessEnv): UnknownSetting[] {
  const names = Object.keys(env).sort();
  const isServiceLink = serviceLinkNames(names);
  const found: UnknownSetting[] = [];
  for (const name of names) {
    if (NAMES.includes(name) || isServiceLink(name)) continue;
    const own = OWN_PREFIXES.some((prefix) => name.startsWith(prefix));
    if (!own && !SHARED_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    // A slip of any setting first; otherwise the nearest of its own family (GATEWAY_URL: a GATEWAY_ one).
    // GATEWAY_PORT, WECHAT_HOST: a setting under the gateway's own prefix.
    const unprefixed = own ? NAMES.find((setting) => name === `${name.split('_')[0]}_${setting}`) : undefined;
    const anywhere = unprefixed ?? closestName(name, NAMES) ?? '';
    const family = NAMES.filter((setting) => setting.startsWith(`${name.split('_')[0]}_`));
    const near = unprefixed !== undefined || isNearMiss(name, anywhere);
    const closest = near || family.length === 0 ? anywhere : (closestName(name, family) ?? anywhere);
    if (own || near) found.push({ name, closest, near, own });
  }
  return found;
}

function guess({ closest, near }: UnknownSetting): string {
  return near ? `did you mean ${closest}?` : `the closest setting is ${closest}`;
}

/** The one-line warning for each unknown setting. */
export function unknownSettingWarning(unknown: UnknownSetting): string {
  return `${unknown.name} is not a setting and is ignored (${guess(unknown)}). Fix: rename it to ${unknown.closest}, or unset it${unknown.own ? '' : ' if another program reads it'}.`;
}

/** What a refusal for another reason adds, so a misspelling behind it is not missed. */
export function unknownSettingNote(unknown: UnknownSetting): string {
  return `Note: ${unknown.name} is set but is not a setting (${guess(unknown)}).`;
}

/**
 * The unknown settings of `env`; in production, a refusal when any is under the gateway's own
 * prefixes, unless GATEWAY_ALLOW_UNKNOWN_SETTINGS=true.
 */
export function checkSettingNames(
  env: NodeJS.ProcessEnv,
  options: { production: boolean; allowUnknown: boolean },
): UnknownSetting[] {
  const unknown = findUnknownSettings(env);
  const refused = unknown.filter((u) => u.own);
  if (options.production && !options.allowUnknown && refused.length > 0) {
    const listed = refused.map((u) => `${u.name} (${guess(u)})`).join(', ');
    const renames = refused.map((u) => `${u.name} to ${u.closest}`).join(', ');
    throw new ConfigError(
      `${refused.length === 1 ? `${listed} is not a setting` : `${listed} are not settings`}: production does not start with an unknown WECHAT_, WECOM_ or GATEWAY_ variable. Fix: rename ${renames}, or unset ${refused.length === 1 ? 'it' : 'them'}; GATEWAY_ALLOW_UNKNOWN_SETTINGS=true starts anyway, with a warning.`,
    );
  }
  return unknown;
}
