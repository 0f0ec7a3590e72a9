/**
 * Work deferred to the end of the current event-loop turn. A loaded gateway ends many requests in one
 * turn; their request lines and metric observations are done one after another at its end, in the
 * order they were deferred, so batching them changes neither what is logged nor its order. Whatever
 * must see that work done first (a flush before exiting, a read of the metrics) calls
 * `finishTurn`.
 */

let pending: (() => void)[] = [];

/** Runs `work` at the end of this turn, after the work deferred before it. */
export function atTurnEnd(work: () => void): void {
  if (pending.push(work) === 1) setImmediate(finishTurn);
}

/**
 * Runs the deferred work now, in order, including work deferred meanwhile. A piece that throws is
 * reported as a process warning and the rest still runs: a log line or a metric never ends the process.
 */
export function finishTurn(): void {
  while (pending.length > 0) {
    const work = pending;
    pending = [];
    for (const piece of work) {
      try {
        piece();
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : String(error), 'TurnEndWarning');
      }
    }
  }
}
