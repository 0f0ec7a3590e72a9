import type { ChildProcess } from 'node:child_process';

/**
 * What a child process writes (stdout and stderr, line by line), waited on as events: a test resumes
 * when the line it needs is written ("Ready to accept connections", "Cluster state changed: ok", a
 * sentinel's "+slave"), not after polling on a timer. The timeout is a guard that fails the test
 * with the log so far; it is not a sleep (nothing waits for it when the line comes).
 */
export interface ProcessLog {
  /** Every line written so far. */
  lines(): string[];
  /** Resolves once `count` lines written since the process started match `pattern`. */
  seen(what: string, pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the lines written so far satisfy `test` (checked each time a line comes). */
  until(what: string, test: (lines: readonly string[]) => boolean, timeoutMs?: number): Promise<void>;
}

export function watchLog(child: ChildProcess): ProcessLog {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let exited = false;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const take = (chunk: string) => {
    partial += chunk;
    for (let end = partial.indexOf('\n'); end >= 0; end = partial.indexOf('\n')) {
      lines.push(partial.slice(0, end));
      partial = partial.slice(end + 1);
    }
    wake();
  };
  child.stdout?.setEncoding('utf8').on('data', take);
  child.stderr?.setEncoding('utf8').on('data', take);
  child.once('exit', () => {
    exited = true;
    wake();
  });

  const log: ProcessLog = {
    lines: () => [...lines],
    seen(what, pattern, count = 1, timeoutMs = 15_000) {
      return log.until(
        what,
        (written) => written.filter((line) => pattern.test(line)).length >= count,
        timeoutMs,
      );
    },
    until(what, test, timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (test(lines)) finish();
          else if (exited) finish(new Error(`${what}: the process exited first:\n${lines.join('\n')}`));
        };
        const guard = setTimeout(
          () => finish(new Error(`${what}: not within ${timeoutMs} ms:\n${lines.join('\n')}`)),
          timeoutMs,
        );
        function finish(error?: Error) {
          clearTimeout(guard);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        }
        waiters.add(check);
        check();
      });
    },
  };
  return log;
}
