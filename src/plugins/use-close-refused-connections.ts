import type { Plugin } from 'graphql-yoga';
import { answersBeforeBody } from '../pipeline/respond.js';

/**
 * An answer of an endpoint Yoga serves (WeChat's push, the operator endpoints) that leaves before its
 * request's body has arrived closes its connection, by the pipeline's rule (`answersBeforeBody`,
 * which its own refusals follow).
 */
export function useCloseRefusedConnections(): Plugin {
  return {
    onResponse({ serverContext, response }) {
      const request = (serverContext as { req?: { complete?: boolean } } | undefined)?.req;
      if (request && answersBeforeBody(request)) response.headers.set('connection', 'close');
    },
  };
}
