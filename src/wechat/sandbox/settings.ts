import { SandboxInputError } from './input-error.js';

/** The sandbox's WeChat-like limits; every one can be changed at runtime (`configure`, `PATCH /__sandbox/config`). */
export interface SandboxSettings {
  /** Lifetime of a new token, `expires_in`. Fractions allowed so tests can use short ones. @default 7200 */
  expiresInSeconds: number;
  /** How long the previous classic token keeps working after `/cgi-bin/token` issued a new one. @default 300 */
  rotationOverlapSeconds: number;
  /** Calls of `/cgi-bin/token` per app per day (UTC+8) before 45009. @default 2000 */
  classicDailyQuota: number;
  /** `stable_token` calls with `force_refresh: true` per app per day before 45009. @default 20 */
  forceRefreshDailyLimit: number;
  /** Minimum gap between two forced `stable_token` refreshes of one app before 45011. @default 30 */
  forceRefreshMinIntervalSeconds: number;
  /** Successful `/cgi-bin/clear_quota` calls per app per calendar month (UTC+8) before 48006. @default 10 */
  clearQuotaMonthlyLimit: number;
  /** Lifetime of a new JS-SDK ticket (`/cgi-bin/ticket/getticket`), `expires_in`. @default 7200 */
  ticketExpiresInSeconds: number;
}

export const DEFAULT_SETTINGS: Readonly<SandboxSettings> = Object.freeze({
  expiresInSeconds: 7200,
  rotationOverlapSeconds: 300,
  classicDailyQuota: 2000,
  forceRefreshDailyLimit: 20,
  forceRefreshMinIntervalSeconds: 30,
  clearQuotaMonthlyLimit: 10,
  ticketExpiresInSeconds: 7200,
});

const RULES: Record<keyof SandboxSettings, { min: number; integer: boolean }> = {
  expiresInSeconds: { min: Number.MIN_VALUE, integer: false },
  rotationOverlapSeconds: { min: 0, integer: false },
  classicDailyQuota: { min: 0, integer: true },
  forceRefreshDailyLimit: { min: 0, integer: true },
  forceRefreshMinIntervalSeconds: { min: 0, integer: false },
  clearQuotaMonthlyLimit: { min: 0, integer: true },
  ticketExpiresInSeconds: { min: Number.MIN_VALUE, integer: false },
};

/** Checks a partial settings object (from options or the admin API) and returns it typed. */
export function validateSettings(patch: unknown): Partial<SandboxSettings> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new SandboxInputError('settings must be a JSON object, e.g. { "expiresInSeconds": 20 }');
  }
  const out: Partial<SandboxSettings> = {};
  for (const [name, value] of Object.entries(patch)) {
    const rule = RULES[name as keyof SandboxSettings];
    if (!rule) {
      throw new SandboxInputError(`unknown setting "${name}"; known: ${Object.keys(RULES).join(', ')}`);
    }
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= rule.min &&
      (!rule.integer || Number.isInteger(value));
    if (!ok) {
      const kind = rule.integer ? 'a whole number' : 'a number';
      const bound = rule.min > 0 ? 'greater than 0' : '≥ 0';
      throw new SandboxInputError(`setting "${name}" must be ${kind} ${bound}; got ${JSON.stringify(value)}`);
    }
    out[name as keyof SandboxSettings] = value;
  }
  return out;
}
