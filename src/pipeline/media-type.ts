/**
 * Media types are case-insensitive (RFC 9110 §8.3.1: `APPLICATION/JSON` is `application/json`), and
 * whitespace around `;` is allowed. The one owner of reading a `Content-Type` and an `Accept`: the
 * pipeline writes every request's `Content-Type` back in this canonical form (pipeline.ts), so Yoga's
 * parsers, which compare it as text, see what the client meant; the gateway's own checks (CSRF, the
 * 415 answer, the compiled phase) read it through `mediaTypeOf`.
 */
import { setNewest } from '../bounded-map.js';

/** `type/subtype` in lowercase, without parameters; undefined when there is no header or it is blank. */
export function mediaTypeOf(header: string | null | undefined): string | undefined {
  // What nearly every request sends, already in its canonical form.
  if (header === 'application/json') return header;
  const essence = header?.split(';', 1)[0]?.trim().toLowerCase();
  return essence || undefined;
}

/**
 * The header with its type lowercased and its parameters trimmed (`application/json; charset=UTF-8`):
 * parameter values keep their case (a multipart boundary is case-sensitive).
 */
export function canonicalContentType(header: string): string {
  const [type = '', ...parameters] = header.split(';');
  const essence = type.trim().toLowerCase();
  const rest = parameters.map((parameter) => {
    const at = parameter.indexOf('=');
    if (at < 0) return parameter.trim().toLowerCase();
    return `${parameter.slice(0, at).trim().toLowerCase()}=${parameter.slice(at + 1).trim()}`;
  });
  return [essence, ...rest].join('; ');
}

/** Whether the header names JSON (`application/json`, whatever its case and parameters). */
export function isJsonMediaType(header: string | null | undefined): boolean {
  return mediaTypeOf(header) === 'application/json';
}

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * The media ranges an answer can be given in: a JSON answer's type for the ranges a single JSON result
 * answers, undefined for those only Yoga's other result processors (event streams, multipart) answer.
 */
const ANSWER_FORMATS: ReadonlyMap<string, string | undefined> = new Map([
  ['*/*', 'application/json'],
  ['application/json', 'application/json'],
  [GRAPHQL_RESPONSE, GRAPHQL_RESPONSE],
  ['application/*', undefined],
  ['text/*', undefined],
  ['text/event-stream', undefined],
  ['multipart/*', undefined],
  ['multipart/mixed', undefined],
]);

/** Whether any range of the `Accept` header (absent or blank: any) names a format an answer can take. */
export function answerable(accept: string | null | undefined): boolean {
  if (!accept?.trim()) return true;
  return accept
    .split(',')
    .some((range) => ANSWER_FORMATS.has(range.split(';')[0]?.trim().toLowerCase() ?? ''));
}

/**
 * The type of a JSON answer for this `Accept` header (the first listed range; `*\/*` and no header
 * meaning application/json), when every range it lists, without parameters, is one a JSON result
 * answers; undefined leaves the choice to Yoga's result processors.
 */
export function jsonAnswerType(accept: string | undefined): string | undefined {
  const ranges = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  if (ranges.some((range) => ANSWER_FORMATS.get(range) === undefined)) return undefined;
  return ANSWER_FORMATS.get(ranges[0] as string);
}

/** Accept headers whose answer type is kept: a client sends the same one every time. */
const MAX_KEPT_ACCEPTS = 64;
const keptAccepts = new Map<string, string | undefined>();

/** `jsonAnswerType`, kept per header text. */
export function jsonAnswerTypeOf(accept: string | undefined): string | undefined {
  const key = accept ?? '';
  if (keptAccepts.has(key)) return keptAccepts.get(key);
  const type = jsonAnswerType(accept);
  setNewest(keptAccepts, key, type, MAX_KEPT_ACCEPTS);
  return type;
}
