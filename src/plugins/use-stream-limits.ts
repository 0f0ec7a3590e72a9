import type { IncomingMessage } from 'node:http';
import { type Plugin, processRegularResult } from 'graphql-yoga';
import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import type { TooManyStreamsError } from '../errors.js';
import { type StreamSlot, type StreamSlots, streamHolder } from '../limits/stream-slots.js';
import { refuseRequest } from './http-error.js';

/** A stream over a cap: refused as a whole, before anything is streamed. */
export const TOO_MANY_STREAMS_STATUS = 429;

/** The refusal as a JSON response, for streams served outside GraphQL (`/status/events`). */
export function tooManyStreamsResponse(error: TooManyStreamsError): Response {
  return Response.json(
    { errors: [{ message: error.message, extensions: { code: error.code, retryable: error.retryable } }] },
    { status: TOO_MANY_STREAMS_STATUS, headers: { 'cache-control': 'no-store' } },
  );
}

/** The client's address, from the node request Yoga's server context carries. */
export function clientAddress(serverContext: unknown): string | undefined {
  return (serverContext as { req?: Pick<IncomingMessage, 'socket'> }).req?.socket?.remoteAddress;
}

/** `source`, releasing `slot` as soon as it ends: completed, failed, or returned by its consumer. */
function holding<T>(source: AsyncIterable<T>, slot: StreamSlot): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ended = (result: IteratorResult<T>) => {
    if (result.done) slot.release();
    return result;
  };
  const failed = (error: unknown): never => {
    slot.release();
    throw error;
  };
  return {
    next: () => iterator.next().then(ended, failed),
    return: (value?: unknown) => {
      slot.release();
      return iterator.return
        ? iterator.return(value).then(ended, failed)
        : Promise.resolve({ done: true, value: value as T });
    },
    throw: (error?: unknown) => {
      slot.release();
      return iterator.throw ? iterator.throw(error).then(ended, failed) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Caps GraphQL subscriptions (StreamSlots, GATEWAY_MAX_STREAMS and GATEWAY_MAX_STREAMS_PER_CALLER):
 * a subscription takes a slot when its stream is ready to start and gives it back when the stream
 * ends, however it ends. One over a cap is answered HTTP 429 `TOO_MANY_STREAMS` with a JSON body,
 * whatever the Accept header asked for, and its source is closed before it produced anything.
 */
export function useStreamLimits(slots: StreamSlots): Plugin {
  const refused = new WeakSet<object>();
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult({ result, setResult }) {
        if (!(Symbol.asyncIterator in result)) return;
        const context = args.contextValue as { caller?: AuthenticatedCaller; request: Request };
        const slot = slots.take('subscription', streamHolder(context.caller, clientAddress(context)));
        if ('release' in slot) {
          setResult(holding(result, slot));
          return;
        }
        void result[Symbol.asyncIterator]().return?.();
        // Marked by request: the error mask answers with a new result object.
        refused.add(context.request);
        setResult({ errors: [refuseRequest(slot, TOO_MANY_STREAMS_STATUS)] });
      },
    }),
    onResultProcess({ request, setResultProcessor }) {
      if (refused.has(request)) setResultProcessor(processRegularResult, 'application/json');
    },
  };
}
