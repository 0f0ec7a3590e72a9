import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { ForbiddenError, PersistedQueryNotFoundError } from '../errors.js';
import { refuseRequest } from './http-error.js';

/** Where clients put the document id: `documentId` (codegen client preset) or Apollo's APQ extension. */
function documentIdOf(params: GraphQLParams, request: Request): string | null {
  const raw = params as unknown as Record<string, unknown>;
  // Yoga's GET parser keeps only the standard parameters, so a GET's documentId is read from the URL.
  const documentId =
    raw.documentId ??
    (request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : undefined);
  if (typeof documentId === 'string') return documentId.replace(/^sha256:/, '');
  const extensions = params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined;
  const hash = extensions?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : null;
}

/**
 * Executes only the documents of the manifest (GATEWAY_TRUSTED_DOCUMENTS), looked up by id: Yoga's
 * persisted-operations plugin with arbitrary operations off. An unknown id is PERSISTED_QUERY_NOT_FOUND
 * (400); query text, with or without an id, and a request naming no document are FORBIDDEN (403).
 */
export function useTrustedDocuments(documents: ReadonlyMap<string, string>): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: false,
    extractPersistedOperationId: documentIdOf,
    getPersistedOperation: (id) => documents.get(id) ?? null,
    customErrors: {
      notFound: ({ params, request }) =>
        refuseRequest(new PersistedQueryNotFoundError(documentIdOf(params, request) ?? ''), 400),
      persistedQueryOnly: () =>
        refuseRequest(
          new ForbiddenError(
            'This gateway executes only trusted documents: send { "documentId": "<hash>" } from the generated client instead of query text.',
          ),
          403,
        ),
      keyNotFound: () =>
        refuseRequest(
          new ForbiddenError(
            'This gateway executes only trusted documents: send { "documentId": "<hash>" } from the generated client.',
          ),
          403,
        ),
    },
  });
}
