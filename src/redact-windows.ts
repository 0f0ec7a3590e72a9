/**
 * How the redactor finds remembered values in text (src/redact.ts): each value is indexed by windows
 * of its characters, and a text is scanned once, whatever the number of values.
 */

/**
 * Remembered values are found through windows of this many characters taken every `WINDOW_STRIDE`
 * characters of each value: any stretch of WINDOW + STRIDE - 1 = 15 characters or more of a value
 * contains one whole window, so one pass over the text finds every value however many are
 * remembered. A window of a secret counts only where the whole secret is; a window of a credential
 * is widened to everything the text shares with it (WeChat echoes cut tokens and tickets).
 */
export const WINDOW = 12;
export const WINDOW_STRIDE = 4;
/** A window with fewer distinct characters (`000000000000`) would match ordinary text. */
export const MIN_WINDOW_DISTINCT_CHARS = 6;

export interface WindowHit {
  value: string;
  offset: number;
  /** Credentials: a shared stretch is removed too, not only the whole value. */
  fragments: boolean;
}

/** Windows are found by a rolling hash of their characters (no string made per position of a text). */
const HASH_BASE = 31;
/** HASH_BASE ** (WINDOW - 1), modulo 2 ** 32: what the character leaving the window added. */
const HASH_LEAVING = Array.from({ length: WINDOW - 1 }).reduce<number>(
  (power) => Math.imul(power, HASH_BASE),
  1,
);
/** Hashes are kept to 30 bits: small integers, which a Map holds unboxed. */
export const HASH_MASK = 0x3fffffff;

/** The hash of `text`'s WINDOW characters from `at`. */
export function windowHash(text: string, at: number): number {
  let hash = 0;
  for (let i = at; i < at + WINDOW; i++) hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(i)) | 0;
  return hash;
}

/** The hash of the window one character on from the one at `at` (whose hash is `hash`). */
export function nextWindowHash(hash: number, text: string, at: number): number {
  return (
    (Math.imul(hash - Math.imul(text.charCodeAt(at), HASH_LEAVING), HASH_BASE) +
      text.charCodeAt(at + WINDOW)) |
    0
  );
}

/** Whether the window of `hit` is at `at` in `text`, character for character. */
export function windowAt(text: string, at: number, hit: WindowHit): boolean {
  for (let k = 0; k < WINDOW; k++) {
    if (text.charCodeAt(at + k) !== hit.value.charCodeAt(hit.offset + k)) return false;
  }
  return true;
}

/** Whether the WINDOW characters of `value` from `at` have MIN_WINDOW_DISTINCT_CHARS different ones. */
function variedWindow(value: string, at: number): boolean {
  let distinct = 0;
  for (let i = at; i < at + WINDOW; i++) {
    const code = value.charCodeAt(i);
    let seen = false;
    for (let j = at; j < i && !seen; j++) seen = value.charCodeAt(j) === code;
    if (!seen && ++distinct >= MIN_WINDOW_DISTINCT_CHARS) return true;
  }
  return false;
}

/** The offsets of a value's windows: every WINDOW_STRIDE characters, the repetitive ones left out. */
export function* windowsOf(value: string): Generator<number> {
  if (value.length < WINDOW + WINDOW_STRIDE - 1) return;
  for (let offset = 0; offset + WINDOW <= value.length; offset += WINDOW_STRIDE) {
    if (variedWindow(value, offset)) yield offset;
  }
}

/** The whole value around a window found at `at`, if it is there. */
export function whole(text: string, at: number, hit: WindowHit): [number, number] | undefined {
  const start = at - hit.offset;
  return start >= 0 && text.startsWith(hit.value, start) ? [start, start + hit.value.length] : undefined;
}

/** Everything around a window found at `at` that the text shares with the value. */
export function shared(text: string, at: number, hit: WindowHit): [number, number] {
  let start = at;
  let from = hit.offset;
  while (start > 0 && from > 0 && text[start - 1] === hit.value[from - 1]) {
    start--;
    from--;
  }
  let end = at + WINDOW;
  let to = hit.offset + WINDOW;
  while (end < text.length && to < hit.value.length && text[end] === hit.value[to]) {
    end++;
    to++;
  }
  return [start, end];
}
