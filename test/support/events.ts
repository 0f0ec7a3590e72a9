import { guarded } from './guard.js';

/**
 * The first event `source` emits that `matches`, waited for as an event (subscribe before causing it).
 * Fails after `timeoutMs` with `what`: a guard, not a sleep.
 */
export function nextEvent<E>(
  source: { subscribe(listener: (event: E) => void): () => void },
  matches: (event: E) => boolean,
  what: string,
  timeoutMs = 2_000,
): Promise<E> {
  let unsubscribe: () => void = () => {};
  const heard = new Promise<E>((resolve) => {
    unsubscribe = source.subscribe((event) => {
      if (matches(event)) resolve(event);
    });
  });
  return guarded(what, heard, timeoutMs).finally(() => unsubscribe());
}
