/**
 * `promise`, or a failure naming `what` if it has not settled within `timeoutMs`. A guard for an
 * event-driven wait, not a sleep: the test goes on as soon as the event comes.
 */
export function guarded<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
