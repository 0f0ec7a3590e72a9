import calculateSlot from 'cluster-key-slot';
import type { RedisEndpoint } from './endpoint.js';

/**
 * Runs a multi-key command over `keys` and answers in the order asked: once on a single node or a
 * Sentinel master; in a Cluster once per hash slot (a multi-key command or script must stay in one
 * slot), the slots' commands sent together. `command` answers one value per key it was given.
 */
export async function perSlot<T>(
  endpoint: Pick<RedisEndpoint, 'kind'>,
  keys: readonly string[],
  command: (keys: string[]) => Promise<T[]>,
  missing: T,
): Promise<T[]> {
  if (keys.length === 0) return [];
  const answers: T[] = new Array(keys.length).fill(missing);
  await Promise.all(
    slotGroups(endpoint, keys).map(async (indexes) => {
      const values = await command(indexes.map((index) => keys[index] ?? ''));
      indexes.forEach((index, at) => {
        answers[index] = values[at] ?? missing;
      });
    }),
  );
  return answers;
}

/**
 * The indexes of `keys` a multi-key command may take together: all of them on a single node or a
 * Sentinel master, one group per hash slot in a Cluster.
 */
export function slotGroups(endpoint: Pick<RedisEndpoint, 'kind'>, keys: readonly string[]): number[][] {
  if (endpoint.kind !== 'cluster') return [keys.map((_, index) => index)];
  const bySlot = new Map<number, number[]>();
  keys.forEach((key, index) => {
    const slot = calculateSlot(key);
    const group = bySlot.get(slot);
    if (group) group.push(index);
    else bySlot.set(slot, [index]);
  });
  return [...bySlot.values()];
}
