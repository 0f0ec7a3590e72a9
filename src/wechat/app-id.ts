/**
 * App ids, the one owner of their rules (config, API keys, GraphQL and metrics apply them from here):
 * a WeChat AppID (an Official Account's, a Mini Program's, a component's) is "wx" and 16 lowercase hex
 * digits; a WeCom app goes by `<corpId>/<agentId>` or `<corpId>/<secretName>` (one token per
 * (corp, secret), so never by its corp alone).
 */
export const APP_ID_PATTERN = /^wx[0-9a-f]{16}$/;

const APP_ID_LENGTH = 18;

/** What an operator or a caller is told when a WeChat AppID breaks the rule. */
export const APP_ID_RULE = 'expected "wx" followed by 16 lowercase hex digits';

/** AppSecrets (an app's, a component's): 32 lowercase hex digits. The one copy of the rule. */
export const APP_SECRET_PATTERN = /^[0-9a-f]{32}$/;

/** Whether `text` is a WeChat AppID (`wx` + 16 hex): never a WeCom app id. */
export function isAppId(text: string): boolean {
  return text.length === APP_ID_LENGTH && APP_ID_PATTERN.test(text);
}

/** A WeCom CorpID: "ww" (or "wx" for older corps) and 16 lowercase hex digits. */
export const CORP_ID_PATTERN = /^w[wx][0-9a-f]{16}$/;
export const CORP_ID_RULE = 'expected "ww" or "wx" followed by 16 lowercase hex digits (the CorpID)';

/** A WeCom app's AgentId: digits. */
export const AGENT_ID_PATTERN = /^[0-9]{1,10}$/;
export const AGENT_ID_RULE = 'expected the AgentId, 1 to 10 digits';

/** The name given to a special WeCom secret (contacts sync, customer contact, …), which has no agent. */
export const SECRET_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const SECRET_NAME_RULE =
  'expected a lowercase letter then up to 31 lowercase letters, digits or "-" (a name for the special secret)';

/** A WeCom app's id everywhere in the gateway: `<corpId>/<agentId>` or `<corpId>/<secretName>`. */
export const WECOM_APP_ID_PATTERN = /^w[wx][0-9a-f]{16}\/(?:[0-9]{1,10}|[a-z][a-z0-9-]{0,31})$/;

/** Any app id the gateway may serve: a WeChat AppID or a WeCom app id. */
export const GATEWAY_APP_ID_PATTERN =
  /^(?:wx[0-9a-f]{16}|w[wx][0-9a-f]{16}\/(?:[0-9]{1,10}|[a-z][a-z0-9-]{0,31}))$/;

/** What a caller is told when an app id the gateway serves breaks the rule. */
export const GATEWAY_APP_ID_RULE =
  'expected "wx" followed by 16 lowercase hex digits, or a WeCom app\'s "<corpId>/<agentId>" or "<corpId>/<secretName>"';

/** The longest gateway app id: a corp id, "/" and a 32-character secret name. */
const GATEWAY_APP_ID_MAX = 18 + 1 + 32;

/** Whether `text` may name an app the gateway serves (WeChat AppID or WeCom app id). */
export function isGatewayAppId(text: string): boolean {
  return text.length <= GATEWAY_APP_ID_MAX && GATEWAY_APP_ID_PATTERN.test(text);
}

/** Whether `text` is a WeCom app id (`<corpId>/<agentId|secretName>`). */
export function isWeComAppId(text: string): boolean {
  return text.length <= GATEWAY_APP_ID_MAX && WECOM_APP_ID_PATTERN.test(text);
}

/** A WeCom app's id from its parts. */
export function wecomAppId(corpId: string, agentOrSecretName: string | number): string {
  return `${corpId}/${agentOrSecretName}`;
}
