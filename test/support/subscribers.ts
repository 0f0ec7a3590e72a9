/**
 * Counts the subscribers of something with `subscribe(listener) => unsubscribe` (a gateway's token
 * service), and lets a test wait for the count as an event: an SSE stream's events are heard only once
 * its subscription has reached the token service, and `reached` resolves at that subscribe call, not
 * after a guessed pause. The timeout is a guard that fails the test.
 */
export interface SubscriberCount {
  count(): number;
  /** Resolves once at least `count` subscribers are subscribed. */
  reached(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once exactly `count` subscribers are subscribed (after some have gone, say). */
  settlesAt(count: number, timeoutMs?: number): Promise<void>;
}

export function countSubscribers<L>(target: { subscribe(listener: L): () => void }): SubscriberCount {
  let count = 0;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const subscribe = target.subscribe.bind(target);
  target.subscribe = (listener: L) => {
    const unsubscribe = subscribe(listener);
    count++;
    changed();
    let once = false;
    return () => {
      if (!once) count--;
      once = true;
      unsubscribe();
      changed();
    };
  };
  const until = (what: string, test: () => boolean, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        finish();
        resolve();
      };
      const guard = setTimeout(() => {
        finish();
        reject(new Error(`${what} not within ${timeoutMs} ms (${count} subscribed)`));
      }, timeoutMs);
      function finish() {
        clearTimeout(guard);
        waiters.delete(check);
      }
      waiters.add(check);
      check();
    });
  return {
    count: () => count,
    reached: (wanted, timeoutMs = 2_000) => until(`${wanted} subscribers`, () => count >= wanted, timeoutMs),
    settlesAt: (wanted, timeoutMs = 2_000) =>
      until(`exactly ${wanted} subscribers`, () => count === wanted, timeoutMs),
  };
}
