import { BadUserInputError, truncate } from '../errors.js';
import { findRange, normaliseAddress, parseAddress, parseIpRanges } from '../net/ip-ranges.js';
import { redact } from '../redact.js';

export interface CallbackIpCheck {
  appId: string;
  /** The address checked, normalised (`::ffff:1.2.3.4` → `1.2.3.4`). */
  ip: string;
  allowed: boolean;
  /** The list entry that holds it, as CIDR. */
  matchedRange: string | null;
}

/** Whether `ip` is inside one of WeChat's callback ranges; not an address is BAD_USER_INPUT. */
export function checkCallbackIp(appId: string, ip: string, list: readonly string[]): CallbackIpCheck {
  const address = ip.length <= 64 ? parseAddress(ip) : undefined;
  if (!address) {
    const shown = ip.length > 40 ? `${ip.length} characters` : JSON.stringify(redact(truncate(ip, 40)));
    throw new BadUserInputError(
      `ip must be one IPv4 or IPv6 address, e.g. "101.226.103.7" or "::ffff:101.226.103.7" (got ${shown}).`,
    );
  }
  const match = findRange(address, parseIpRanges(list));
  return {
    appId,
    ip: normaliseAddress(ip) ?? ip,
    allowed: match !== undefined,
    matchedRange: match?.cidr ?? null,
  };
}
