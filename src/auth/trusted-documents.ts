import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.js';

/** Document ids as codegen writes them (sha256 hex by default; sha1 also accepted). */
const DOCUMENT_ID = /^(?:sha256:)?[0-9a-f]{40,64}$/;

const FIX =
  'Fix: point GATEWAY_TRUSTED_DOCUMENTS at the persisted-documents.json that `npm run codegen` writes ({ "<hash>": "<document>" }).';

/**
 * Reads the manifest of trusted documents: a JSON object from document id (hash) to document text, as
 * the codegen client preset's `persistedDocuments` option emits it. Read once at start-up; a bad file
 * stops the start with one line that says what to fix.
 */
export function loadTrustedDocuments(path: string): ReadonlyMap<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new ConfigError(`GATEWAY_TRUSTED_DOCUMENTS: cannot read "${path}" (${reason}). ${FIX}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`GATEWAY_TRUSTED_DOCUMENTS: "${path}" is not a JSON object. ${FIX}`);
  }
  const documents = new Map<string, string>();
  for (const [id, document] of Object.entries(json)) {
    if (!DOCUMENT_ID.test(id) || typeof document !== 'string' || document.trim() === '') {
      throw new ConfigError(
        `GATEWAY_TRUSTED_DOCUMENTS: "${path}" has an entry that is not "<hex hash>": "<document>" (at "${id.slice(0, 80)}"). ${FIX}`,
      );
    }
    documents.set(id.replace(/^sha256:/, ''), document);
  }
  if (documents.size === 0) {
    throw new ConfigError(`GATEWAY_TRUSTED_DOCUMENTS: "${path}" lists no documents. ${FIX}`);
  }
  return documents;
}
