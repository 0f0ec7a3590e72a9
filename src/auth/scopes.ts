/** What an API key may do (docs/security.md, "API keys and scopes"). */
export type Scope =
  | 'token:read'
  | 'token:refresh'
  | 'wechat:read'
  | 'wechat:admin'
  | 'jssdk:sign'
  | 'component:admin';

export const SCOPES: readonly Scope[] = [
  'token:read',
  'token:refresh',
  'wechat:read',
  'wechat:admin',
  'jssdk:sign',
  'component:admin',
];

export function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}
