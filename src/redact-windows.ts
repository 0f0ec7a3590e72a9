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

/** Whether the window of `value` at `offset` is at `at` in `text`, character for character. */
function windowAt(text: string, at: number, value: string, offset: number): boolean {
  for (let k = 0; k < WINDOW; k++) {
    if (text.charCodeAt(at + k) !== value.charCodeAt(offset + k)) return false;
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

/** Windows one slot of `WindowIndex` covers: a value with more (over 2,048 characters) takes several. */
const SLOT_WINDOWS = 512;

/** `WindowIndex`'s filter has 2 ** FILTER_BITS counters (256 KiB). */
const FILTER_BITS = 18;
const FILTER_MASK = (1 << FILTER_BITS) - 1;

/** Part of a value in `WindowIndex`: its windows from `first` (in strides) on, at most SLOT_WINDOWS of them. */
interface Slot {
  value: string;
  fragments: boolean;
  first: number;
  /** The slot of the value's next SLOT_WINDOWS windows, if it has more. */
  next: number | undefined;
}

/**
 * The windows of every remembered value, by hash. A window is one number, `slot * SLOT_WINDOWS +
 * window` (its value's slot, its place in it): below 2 ** 30 for the first two million slots, so the
 * map holds it unboxed and the heap holds one small object per value, not one per window (a
 * gateway with 10,000 apps remembers 400,000 windows). Several numbers where hashes collide; the
 * first value indexed at a window wins it (another value with the same characters there adds none).
 */
export class WindowIndex {
  readonly #windows = new Map<number, number | number[]>();
  /**
   * How many hashes in `#windows` share each value of their low FILTER_BITS bits (saturating at 255,
   * then never lowered): a scan looks a position up in the map only where this is not 0, so a text
   * sharing no window with any value (most of every log line) costs one array read per position.
   */
  readonly #filter = new Uint8Array(1 << FILTER_BITS);
  readonly #slots: (Slot | undefined)[] = [];
  readonly #free: number[] = [];
  /** Each value's first slot. */
  readonly #slotOf = new Map<string, number>();

  get size(): number {
    return this.#windows.size;
  }

  /** Indexes `value`'s windows; false when it has none (short or repetitive) and nothing was added. */
  add(value: string, fragments: boolean): boolean {
    if (this.#slotOf.has(value)) return true;
    let slot: Slot | undefined;
    let slotId = -1;
    for (const offset of windowsOf(value)) {
      const window = offset / WINDOW_STRIDE;
      if (!slot || window >= slot.first + SLOT_WINDOWS) {
        const first = window - (window % SLOT_WINDOWS);
        const next = this.#free.pop() ?? this.#slots.length;
        const made: Slot = { value, fragments, first, next: undefined };
        this.#slots[next] = made;
        if (slot) slot.next = next;
        else this.#slotOf.set(value, next);
        slot = made;
        slotId = next;
      }
      const hit = slotId * SLOT_WINDOWS + (window - slot.first);
      const key = windowHash(value, offset) & HASH_MASK;
      const found = this.#windows.get(key);
      if (found === undefined) {
        this.#windows.set(key, hit);
        this.#count(key, 1);
      } else if (typeof found === 'number') {
        if (!this.#at(value, offset, found)) this.#windows.set(key, [found, hit]);
      } else if (!found.some((other) => this.#at(value, offset, other))) found.push(hit);
    }
    return slot !== undefined;
  }

  /** Forgets `value`'s windows (those another value won stay that value's). */
  remove(value: string): void {
    let slotId = this.#slotOf.get(value);
    if (slotId === undefined) return;
    this.#slotOf.delete(value);
    const mine = (hit: number) => this.#slots[Math.floor(hit / SLOT_WINDOWS)]?.value === value;
    for (const offset of windowsOf(value)) {
      const key = windowHash(value, offset) & HASH_MASK;
      const found = this.#windows.get(key);
      if (found === undefined) continue;
      if (typeof found === 'number') {
        if (mine(found)) this.#delete(key);
        continue;
      }
      const kept = found.filter((hit) => !mine(hit));
      if (kept.length === 0) this.#delete(key);
      else this.#windows.set(key, kept.length === 1 ? (kept[0] as number) : kept);
    }
    while (slotId !== undefined) {
      const next: number | undefined = this.#slots[slotId]?.next;
      this.#slots[slotId] = undefined;
      this.#free.push(slotId);
      slotId = next;
    }
  }

  /** The indexed window at `at` in `text`, whose hash is `hash`. */
  hitAt(text: string, at: number, hash: number): WindowHit | undefined {
    if (this.#filter[hash & FILTER_MASK] === 0) return undefined;
    const found = this.#windows.get(hash & HASH_MASK);
    if (found === undefined) return undefined;
    const hit = typeof found === 'number' ? found : found.find((other) => this.#at(text, at, other));
    if (hit === undefined || !this.#at(text, at, hit)) return undefined;
    const slot = this.#slots[Math.floor(hit / SLOT_WINDOWS)] as Slot;
    return { value: slot.value, offset: this.#offset(slot, hit), fragments: slot.fragments };
  }

  #delete(key: number): void {
    this.#windows.delete(key);
    this.#count(key, -1);
  }

  /** Counts a hash in or out of the filter; a saturated counter stays (it no longer knows its count). */
  #count(key: number, change: 1 | -1): void {
    const at = key & FILTER_MASK;
    const count = this.#filter[at] as number;
    if (count < 255) this.#filter[at] = count + change;
  }

  /** Whether the window `hit` is at `at` in `text`. */
  #at(text: string, at: number, hit: number): boolean {
    const slot = this.#slots[Math.floor(hit / SLOT_WINDOWS)];
    return slot !== undefined && windowAt(text, at, slot.value, this.#offset(slot, hit));
  }

  #offset(slot: Slot, hit: number): number {
    return (slot.first + (hit % SLOT_WINDOWS)) * WINDOW_STRIDE;
  }
}
