import type { Server } from 'node:http';

export interface DrainOptions {
  /** After this long, connections still open are cut. */
  timeoutMs: number;
  /** How often idle keep-alive connections are closed while draining. @default 50 */
  idleSweepMs?: number;
}

/**
 * Stops accepting connections and lets requests in flight finish; resolves to true when every
 * connection closed on its own before `timeoutMs`, false when the rest had to be cut.
 *
 * `server.close()` alone closes only the connections idle at that moment: a keep-alive connection
 * whose response completes later would stay open until its client hangs up, so idle ones are swept
 * until none is left.
 */
export function drainHttpServer(server: Server, options: DrainOptions): Promise<boolean> {
  if (!server.listening) return Promise.resolve(true);
  return new Promise((resolve) => {
    let drained = true;
    const sweep = setInterval(() => server.closeIdleConnections(), options.idleSweepMs ?? 50);
    const cut = setTimeout(() => {
      drained = false;
      server.closeAllConnections();
    }, options.timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve(drained);
    });
    server.closeIdleConnections();
  });
}
