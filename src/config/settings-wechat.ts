import { z } from 'zod';
import { APP_ID_PATTERN, APP_ID_RULE, APP_SECRET_PATTERN } from '../wechat/app-id.js';
import { isEncodingAesKey } from '../wechat/message-crypto.js';
import { AES_KEY_RULE, APP_SECRET_RULE, TOKEN_PATTERN, TOKEN_RULE } from './components.js';
import { DEFAULT_API_BASES, DEFAULT_WECOM_API_BASES } from './defaults.js';
import { optional, required } from './setting.js';
import { baseUrls, integer } from './setting-schemas.js';

/**
 * The settings rows of the WeChat side: the apps, the Open Platform component, the token mode and the
 * upstream base URLs (Official Accounts' and WeCom's). Part of the one settings table: settings.ts
 * spreads them in at their place in its order.
 */

const text = z.string();

export const WECHAT_SETTINGS = {
  WECHAT_APP_ID: optional({
    description: 'the AppID of one app (`wx` + 16 hex)',
    schema: z.string().regex(APP_ID_PATTERN, APP_ID_RULE),
    shownDefault: 'unset → dev starts the sandbox',
    fix: 'Fix: copy the AppID from the Official Account platform (Settings → Basic configuration).',
  }),
  WECHAT_APP_SECRET: optional({
    description: 'the AppSecret of that app (32 hex)',
    schema: z.string().regex(APP_SECRET_PATTERN, 'expected 32 lowercase hex digits'),
    shownDefault: 'unset',
    fix: 'Fix: copy the AppSecret from the Official Account platform.',
    secret: true,
  }),
  WECHAT_APP_NAME: optional({
    description: 'display name of that app',
    schema: text,
    shownDefault: 'the AppID',
    fix: 'Fix: a short name such as "Shop".',
  }),
  WECHAT_APPS_FILE: optional({
    description:
      'JSON file `[{ "appId", "appSecret", "name"?, "tokenMode"?, "jsSdkDomains"?, "jsSdkHttpsOnly"? }]` for many apps; an entry\'s `"kind"` is `officialAccount` (default), `miniProgram`, `wecom` (`corpId`, `corpSecret`, `agentId` or `secretName`) or `component` (SIGHUP reloads it)',
    schema: text,
    shownDefault: 'unset',
    fix: 'Fix: the path of a JSON apps file.',
  }),
  WECHAT_COMPONENT_APP_ID: optional({
    description: 'the AppID of one Open Platform third-party platform (component); set all four together',
    schema: z.string().regex(APP_ID_PATTERN, APP_ID_RULE),
    shownDefault: 'unset',
    fix: "Fix: copy the third-party platform's AppID from open.weixin.qq.com.",
  }),
  WECHAT_COMPONENT_APP_SECRET: optional({
    description: "that component's AppSecret (32 hex)",
    schema: z.string().regex(APP_SECRET_PATTERN, APP_SECRET_RULE),
    shownDefault: 'unset',
    fix: "Fix: copy the third-party platform's AppSecret.",
    secret: true,
  }),
  WECHAT_COMPONENT_TOKEN: optional({
    description: "that component's message-verification Token",
    schema: z.string().regex(TOKEN_PATTERN, TOKEN_RULE),
    shownDefault: 'unset',
    fix: "Fix: copy the third-party platform's message-verification Token.",
    secret: true,
  }),
  WECHAT_COMPONENT_AES_KEY: optional({
    description: "that component's EncodingAESKey (43 characters)",
    schema: z.string().refine(isEncodingAesKey, AES_KEY_RULE),
    shownDefault: 'unset',
    fix: "Fix: copy the third-party platform's EncodingAESKey.",
    secret: true,
  }),
  WECHAT_TOKEN_MODE: required({
    description:
      '`stable` (POST `/cgi-bin/stable_token`) or `classic` (GET `/cgi-bin/token`, rotates tokens)',
    schema: z.enum(['stable', 'classic']),
    default: 'stable',
    shownDefault: '`stable`',
    fix: 'Fix: WECHAT_TOKEN_MODE=stable (recommended) or classic.',
  }),
  WECHAT_API_BASE: required({
    description:
      'comma-separated base URLs, tried in order on network failure, timeout or 5xx; a failed one is tried last for 30 s',
    schema: baseUrls,
    default: DEFAULT_API_BASES,
    shownDefault: `\`${DEFAULT_API_BASES.join(',')}\``,
    fix: 'Fix: a comma-separated list such as https://api.weixin.qq.com,https://api2.weixin.qq.com.',
  }),
  WECOM_API_BASE: required({
    description:
      'comma-separated WeCom (qyapi) base URLs for WeCom apps, tried in order like `WECHAT_API_BASE`',
    schema: baseUrls,
    default: DEFAULT_WECOM_API_BASES,
    shownDefault: `\`${DEFAULT_WECOM_API_BASES.join(',')}\``,
    fix: 'Fix: a comma-separated list such as https://qyapi.weixin.qq.com.',
  }),
  WECHAT_TIMEOUT_MS: required({
    description: 'time budget of one upstream attempt',
    schema: integer(100, 120_000),
    default: 5000,
    shownDefault: '`5000`',
    fix: 'Fix: milliseconds, e.g. 5000.',
  }),
};
