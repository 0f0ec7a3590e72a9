/**
 * Media types are case-insensitive (RFC 9110 §8.3.1: `APPLICATION/JSON` is `application/json`), and
 * whitespace around `;` is allowed. The one owner of reading a `Content-Type`: the HTTP entry writes
 * every request's header back in this canonical form (src/plugins/front-door.ts), so Yoga's parsers and
 * the compiled path, which compare it as text, see what the client meant; the gateway's own checks
 * (CSRF, the 415 answer, the compiled path) read it through `mediaTypeOf`.
 */

/** `type/subtype` in lowercase, without parameters; undefined when there is no header or it is blank. */
export function mediaTypeOf(header: string | null | undefined): string | undefined {
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
