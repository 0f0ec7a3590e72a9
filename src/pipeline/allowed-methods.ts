import { BadUserInputError } from '../errors.js';
import type { Refusal } from './respond.js';

/** The methods each path of the gateway answers (paths not listed answer any: Yoga says 404). */
export type AllowedMethods = Readonly<Record<string, readonly string[]>>;

/**
 * The one owner of which methods each endpoint answers: any other method gets 405 with `Allow` and a
 * `BAD_USER_INPUT` error, before the CSRF rule (which would say 403 to a TRACE or an OPTIONS without
 * `Origin`) and before the endpoint itself. After CORS: a listed origin's preflight is an OPTIONS.
 */
export function methodRefusal(routes: AllowedMethods, path: string, method: string): Refusal | undefined {
  const allowed = routes[path];
  if (!allowed || allowed.includes(method)) return undefined;
  const list = allowed.join(', ');
  return {
    status: 405,
    error: new BadUserInputError(`${method.slice(0, 20)} is not supported on ${path}: use ${list}.`),
    headers: ['allow', list],
  };
}
