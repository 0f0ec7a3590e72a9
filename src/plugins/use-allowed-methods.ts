import type { Plugin } from 'graphql-yoga';

/** The methods each path of the gateway answers (paths not listed are not this plugin's). */
export type AllowedMethods = Readonly<Record<string, readonly string[]>>;

/**
 * The one owner of which methods each endpoint answers: any other method gets 405 with `Allow` and a
 * JSON `BAD_USER_INPUT` error, before the CSRF rule (which would say 403 to a TRACE or an OPTIONS
 * without `Origin`) and before the endpoint itself (`/health` and `/ready` answered any method).
 * Register it after the CORS plugin: a listed origin's preflight (`OPTIONS /graphql`) is answered there.
 * The compiled path answers POST /graphql only, so every other method reaches this plugin.
 */
export function useAllowedMethods(routes: AllowedMethods): Plugin {
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      const allowed = routes[url.pathname];
      if (!allowed || allowed.includes(request.method)) return;
      const list = allowed.join(', ');
      endResponse(
        fetchAPI.Response.json(
          {
            errors: [
              {
                message: `${request.method.slice(0, 20)} is not supported on ${url.pathname}: use ${list}.`,
                extensions: { code: 'BAD_USER_INPUT', retryable: false },
              },
            ],
          },
          { status: 405, headers: { allow: list, 'cache-control': 'no-store' } },
        ),
      );
    },
  };
}
