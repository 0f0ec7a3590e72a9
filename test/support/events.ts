import { guarded } from './guard.js';

type EventSource<E> = { subscribe(listener: (event: E) => void): () => void };

/**
 * The first event `source` (or any of several) emits that `matches`, waited for as an event (subscribe
 * before causing it). Fails after `timeoutMs` with `what`: a guard, not a sleep.
 */
export function nextEvent<E>(
  source: EventSource<E> | readonly EventSource<E>[],
  matches: (event: E) => boolean,
  what: string,
  timeoutMs = 2_000,
): Promise<E> {
  const sources = Array.isArray(source) ? source : [source as EventSource<E>];
  let unsubscribes: (() => void)[] = [];
  const heard = new Promise<E>((resolve) => {
    unsubscribes = sources.map((each) =>
      each.subscribe((event: E) => {
        if (matches(event)) resolve(event);
      }),
    );
  });
  return guarded(what, heard, timeoutMs).finally(() => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  });
}
