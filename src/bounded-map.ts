/**
 * Sets `key` in `map` as its newest entry and forgets the oldest ones beyond `capacity`: a Map keeps
 * insertion order, so the first key is the one least recently set. `dropped` is told of each key forgotten.
 */
export function setNewest<K, V>(
  map: Map<K, V>,
  key: K,
  value: V,
  capacity: number,
  dropped?: (key: K) => void,
): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > capacity) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
    dropped?.(oldest.value);
  }
}
