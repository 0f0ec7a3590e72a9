import { isSandboxEndpoint, type SandboxEndpoint } from './endpoints.js';
import { fail } from './errcode-replies.js';
import { json, type Reply } from './reply.js';
import type { SandboxSettings } from './settings.js';

/**
 * What the sandbox counts against each app: successful calls per endpoint per day (UTC+8), forced
 * stable_token refreshes, and clear_quota's monthly allowance; `/cgi-bin/openapi/quota/get` and
 * `/cgi-bin/clear_quota` read and reset it. Times are epoch ms.
 */

const DAY_MS = 86_400_000;
/** WeChat's daily quotas reset at midnight in China (UTC+8). */
const CHINA_OFFSET_MS = 8 * 3_600_000;

export interface Usage {
  day: number;
  /** Successful calls per endpoint today: what `/cgi-bin/openapi/quota/get` reports as `used`. */
  calls: Map<SandboxEndpoint, number>;
  forcedRefreshes: number;
  lastForcedAt: number | undefined;
}

/**
 * Daily limits `/cgi-bin/openapi/quota/get` reports: the token endpoints' as WeChat documents them, the
 * IP lists' a plausible stand-in. Other paths answer 76021, as WeChat does for paths it has no quota for.
 */
const DAILY_LIMITS: Partial<Record<SandboxEndpoint, (settings: SandboxSettings) => number>> = {
  '/cgi-bin/token': (settings) => settings.classicDailyQuota,
  '/cgi-bin/stable_token': () => 500_000,
  '/cgi-bin/getcallbackip': () => 10_000,
  '/cgi-bin/get_api_domain_ip': () => 10_000,
};

export class QuotaBook {
  private readonly usage = new Map<string, Usage>();
  /** Successful clear_quota calls per app in the current month (UTC+8). */
  private readonly clears = new Map<string, { month: number; count: number }>();

  count(appId: string, endpoint: SandboxEndpoint, now: number): void {
    const { calls } = this.usageOf(appId, now);
    calls.set(endpoint, (calls.get(endpoint) ?? 0) + 1);
  }

  usedToday(appId: string, endpoint: SandboxEndpoint, now: number): number {
    return this.usageOf(appId, now).calls.get(endpoint) ?? 0;
  }

  usageOf(appId: string, now: number): Usage {
    const day = Math.floor((now + CHINA_OFFSET_MS) / DAY_MS);
    const known = this.usage.get(appId);
    if (known && known.day === day) return known;
    const fresh: Usage = { day, calls: new Map(), forcedRefreshes: 0, lastForcedAt: known?.lastForcedAt };
    this.usage.set(appId, fresh);
    return fresh;
  }

  clear(): void {
    this.usage.clear();
    this.clears.clear();
  }

  quota(appId: string, body: Record<string, unknown>, now: number, settings: SandboxSettings): Reply {
    const cgiPath = body.cgi_path;
    if (typeof cgiPath !== 'string') return fail('badJson');
    const limit = isSandboxEndpoint(cgiPath) ? DAILY_LIMITS[cgiPath] : undefined;
    if (!limit) return fail('unknownCgiPath');
    const dailyLimit = limit(settings);
    const used = this.usedToday(appId, cgiPath as SandboxEndpoint, now);
    return json({
      errcode: 0,
      errmsg: 'ok',
      quota: { daily_limit: dailyLimit, used, remain: Math.max(0, dailyLimit - used) },
    });
  }

  clearQuota(appId: string, body: Record<string, unknown>, now: number, settings: SandboxSettings): Reply {
    if (typeof body.appid !== 'string' || body.appid === '') return fail('noAppId');
    if (body.appid !== appId) return fail('badAppId');
    const month = monthOf(now);
    const known = this.clears.get(appId);
    const clears = known && known.month === month ? known : { month, count: 0 };
    if (clears.count >= settings.clearQuotaMonthlyLimit) return fail('clearQuotaLimit');
    this.clears.set(appId, { month, count: clears.count + 1 });
    // Today's counts start over; the forced-refresh cadence (30 s apart) is not a quota and stays.
    const usage = this.usageOf(appId, now);
    usage.calls.clear();
    usage.forcedRefreshes = 0;
    return json({ errcode: 0, errmsg: 'ok' });
  }
}

/** The calendar month in China (UTC+8), as a number that changes when the month does. */
function monthOf(now: number): number {
  const china = new Date(now + CHINA_OFFSET_MS);
  return china.getUTCFullYear() * 12 + china.getUTCMonth();
}
