import { randomUUID } from 'node:crypto';

/** The header a caller may set to correlate its logs with ours; echoed on every response. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A caller's request id is kept when it is a short token of URL-safe characters (UUIDs, trace ids,
 * ULIDs); anything longer or with other characters could forge log lines or carry a credential.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** A request's id, and whether it is the caller's own (client text, redacted where it is logged). */
export interface RequestId {
  id: string;
  fromCaller: boolean;
}

/** The caller's id when sane, else a fresh UUID. */
export function requestIdFor(
  header: string | null | undefined,
  generate: () => string = randomUUID,
): RequestId {
  const candidate = header?.trim();
  return candidate && SANE_REQUEST_ID.test(candidate)
    ? { id: candidate, fromCaller: true }
    : { id: generate(), fromCaller: false };
}

/** `requestIdFor`'s id alone. */
export function requestIdFrom(header: string | null | undefined, generate?: () => string): string {
  return requestIdFor(header, generate).id;
}
