import type { Plugin } from 'graphql-yoga';

/** Node's request, when Yoga runs on a Node HTTP server. */
interface NodeRequest {
  /** The whole body has arrived. */
  complete: boolean;
}

/**
 * A response sent before its request's body has arrived (a 401, 411 or 413 refusal) closes its
 * connection: otherwise Node keeps reading the rest to reuse the connection, and a client dripping a
 * large Content-Length holds the socket, and a graceful shutdown, for as long as it likes.
 */
export function useCloseRefusedConnections(): Plugin {
  return {
    onResponse({ serverContext, response }) {
      const request = (serverContext as { req?: Partial<NodeRequest> } | undefined)?.req;
      if (request?.complete === false) response.headers.set('connection', 'close');
    },
  };
}
