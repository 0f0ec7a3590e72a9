import { type Plugin, Repeater } from 'graphql-yoga';

export interface SubscriptionShutdown {
  plugin: Plugin;
  /** Ends every open subscription (each client is sent `complete`) and every one started after. */
  end(): void;
}

/**
 * Subscriptions are long-lived responses: without this, `close()` would wait for their clients to
 * leave, up to `shutdownTimeoutMs`, then cut them. Ending them instead lets each response finish, so
 * the server closes at once and clients see a clean end of stream (and may reconnect to another replica).
 */
export function useSubscriptionShutdown(): SubscriptionShutdown {
  // A set, not an AbortSignal: a signal warns (MaxListenersExceededWarning) past 10 subscribers.
  const stops = new Set<() => void>();
  let ended = false;
  /** Finishes when `end()` is called, or when the subscription it races ends first. */
  const untilShutdown = () =>
    new Repeater<never>(async (_push, stop) => {
      if (ended) stop();
      stops.add(stop);
      await stop;
      stops.delete(stop);
    });
  return {
    plugin: {
      onSubscribe: () => ({
        onSubscribeResult: ({ result, setResult }) => {
          if (!(Symbol.asyncIterator in result)) return;
          // The first to finish ends the race and calls return() on the other: the source's cleanup runs.
          setResult(Repeater.race([result, untilShutdown()]));
        },
      }),
    },
    end: () => {
      ended = true;
      for (const stop of stops) stop();
    },
  };
}
