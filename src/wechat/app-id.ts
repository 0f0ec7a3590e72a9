/** WeChat AppIDs: "wx" and 16 lowercase hex digits. The one copy of the rule config and GraphQL apply. */
export const APP_ID_PATTERN = /^wx[0-9a-f]{16}$/;

const APP_ID_LENGTH = 18;

/** What an operator or a caller is told when an appId breaks the rule. */
export const APP_ID_RULE = 'expected "wx" followed by 16 lowercase hex digits';

/** AppSecrets (an app's, a component's): 32 lowercase hex digits. The one copy of the rule. */
export const APP_SECRET_PATTERN = /^[0-9a-f]{32}$/;

export function isAppId(text: string): boolean {
  return text.length === APP_ID_LENGTH && APP_ID_PATTERN.test(text);
}
