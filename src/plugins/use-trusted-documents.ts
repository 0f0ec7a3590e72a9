import type { Plugin } from 'graphql-yoga';
import { ForbiddenError, PersistedQueryNotFoundError } from '../errors.js';
import { refuseRequest } from './http-error.js';

/** Where clients put the document id: `documentId` (codegen client preset) or Apollo's APQ extension. */
function documentIdOf(params: Record<string, unknown>, request: Request): string | undefined {
  // Yoga's GET parser keeps only the standard parameters, so a GET's documentId is read from the URL.
  const documentId =
    params.documentId ??
    (request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : undefined);
  if (typeof documentId === 'string') return documentId.replace(/^sha256:/, '');
  const extensions = params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined;
  const hash = extensions?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * Executes only the documents of the manifest (GATEWAY_TRUSTED_DOCUMENTS), looked up by id: an unknown
 * id is PERSISTED_QUERY_NOT_FOUND, raw query text is FORBIDDEN (unless it is exactly the document the
 * id names). Yoga's persisted-operations package is not installed; this is its "allow-list only" mode.
 */
export function useTrustedDocuments(documents: ReadonlyMap<string, string>): Plugin {
  return {
    onParams({ params, request, setParams }) {
      const raw = params as unknown as Record<string, unknown>;
      const id = documentIdOf(raw, request);
      if (id === undefined) {
        if (params.query === undefined) return;
        throw refuseRequest(
          new ForbiddenError(
            'This gateway executes only trusted documents: send { "documentId": "<hash>" } from the generated client instead of query text.',
          ),
          403,
        );
      }
      const document = documents.get(id);
      if (document === undefined) {
        throw refuseRequest(new PersistedQueryNotFoundError(id), 400);
      }
      if (params.query !== undefined && params.query !== document) {
        throw refuseRequest(
          new ForbiddenError(
            'The query text differs from the trusted document it names; send only the documentId.',
          ),
          403,
        );
      }
      const { documentId: _ignored, ...rest } = raw;
      setParams({ ...(rest as typeof params), query: document });
    },
  };
}
