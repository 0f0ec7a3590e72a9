/**
 * Names close to a misspelled one: which setting an unknown variable, or which key an unknown JSON key,
 * was probably meant to be. One rule for the environment, the apps file and the keys file.
 */

/**
 * Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`, ignoring case: `REDIS_URI` is 1
 * from `REDIS_URL`, `WECHAT_APPID` 1 from `WECHAT_APP_ID`, `tokenmode` 0 from `tokenMode`.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  // d[i][j]: distance between the first i characters of s and the first j of t.
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[s.length] as number[])[t.length] as number;
}

/** A unit at the end of a setting's name: `TOKEN_REFRESH_MARGIN` means `TOKEN_REFRESH_MARGIN_SECONDS`. */
const UNIT = /_(?:SECONDS|SECS|SEC|S|MILLISECONDS|MILLIS|MS|MINUTES|MINS|MIN|BYTES)$/i;

/**
 * Whether `name` is a slip of `candidate` rather than a name of its own: a different case, at most one
 * edit in a name of up to 10 characters and two in a longer one, or the same name with another unit or
 * none (`TOKEN_REFRESH_MARGIN`, `WECHAT_TIMEOUT_SECONDS`). `REDIS_PORT` or `REDIS_SERVICE_HOST` are no
 * slip of any setting.
 */
export function isNearMiss(name: string, candidate: string): boolean {
  if (name === candidate) return false;
  const distance = editDistance(name, candidate);
  if (distance <= (candidate.length <= 10 ? 1 : 2)) return true;
  const bare = (text: string) => text.replace(UNIT, '').toLowerCase();
  return bare(name) === bare(candidate);
}

/**
 * The candidate closest to `name`, near miss or not: the near misses first (the unit rule makes
 * `TOKEN_REFRESH_MARGIN` closest to `TOKEN_REFRESH_MARGIN_SECONDS`, though other names are fewer edits
 * away), then the fewest edits; ties go to the earlier candidate. Undefined without candidates.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; near: boolean; distance: number } | undefined;
  for (const candidate of candidates) {
    const near = isNearMiss(name, candidate);
    const distance = editDistance(name, candidate);
    if (!best || (near && !best.near) || (near === best.near && distance < best.distance)) {
      best = { candidate, near, distance };
    }
  }
  return best?.candidate;
}
