import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { setNewest } from '../bounded-map.js';
import { operationNameProblem } from '../plugins/use-request-parsing.js';

/** A document compiled once by graphql-jit, with the operation name its requests are logged under. */
export interface CompiledDocument {
  run(
    context: object,
    variables: Record<string, unknown> | undefined,
  ): Promise<ExecutionResult> | ExecutionResult;
  operationName: string | undefined;
  /** The field an error's `path` points at (graphql-jit's errors carry no location; Yoga's do). */
  locate(path: readonly (string | number)[]): FieldNode | undefined;
}

/** The field answering `key` in a selection set, through inline fragments and fragment spreads. */
function fieldAt(
  set: SelectionSetNode,
  key: string,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): FieldNode | undefined {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD && (selection.alias ?? selection.name).value === key) return selection;
    const nested =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : selection.kind === Kind.FRAGMENT_SPREAD
          ? fragments.get(selection.name.value)?.selectionSet
          : undefined;
    const found = nested && fieldAt(nested, key, fragments);
    if (found) return found;
  }
  return undefined;
}

/**
 * How the request named its document: by its text, or by a trusted document id. Keys never mix. An
 * operationName that is neither a name nor absent (`""`, a number, an array…) has no key: Yoga refuses
 * it (400: `operationNameProblem`, or OPERATION_RESOLUTION_FAILURE for `""`), where the key of the
 * document without a name would have answered it.
 */
export function documentKey(body: {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
}): string | undefined {
  if (operationNameProblem(body.operationName) !== undefined || body.operationName === '') return undefined;
  const operation = typeof body.operationName === 'string' ? body.operationName : '';
  if (typeof body.documentId === 'string' && body.query === undefined)
    return `id\0${operation}\0${body.documentId}`;
  if (typeof body.query === 'string' && body.documentId === undefined)
    return `q\0${operation}\0${body.query}`;
  return undefined;
}

/** A document Yoga ran: compiled by graphql-jit when the compiled phase first runs it. */
interface Entry {
  document: DocumentNode;
  operationName: string | undefined;
  /** Undefined until first run; null when graphql-jit cannot compile it. */
  compiled?: CompiledDocument | null;
}

/**
 * The documents the compiled phase may run: only ones Yoga has run already (so they passed parsing,
 * validation, the query limits, introspection rules and the trusted-documents check), queries only,
 * the most recently used `capacity` of them. A document is compiled the first time it runs again, so
 * a document sent once (a client inlining values into its query text) costs no compilation.
 */
export interface DocumentCacheOptions {
  /** How many documents are kept, the least recently run dropped first. @default 1000 */
  capacity?: number;
  /** Told of each compilation (a document's second run): a metric. @default none */
  onCompile?: (outcome: 'compiled' | 'not_compilable') => void;
}

export class DocumentCache {
  readonly #entries = new Map<string, Entry>();
  readonly capacity: number;
  readonly #onCompile: DocumentCacheOptions['onCompile'];

  constructor(
    private readonly schema: GraphQLSchema,
    options: DocumentCacheOptions = {},
  ) {
    this.capacity = options.capacity ?? 1000;
    this.#onCompile = options.onCompile;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CompiledDocument | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    setNewest(this.#entries, key, entry, this.capacity);
    if (entry.compiled === undefined) {
      entry.compiled = this.#compiled(entry.document, entry.operationName);
      this.#onCompile?.(entry.compiled ? 'compiled' : 'not_compilable');
    }
    return entry.compiled ?? undefined;
  }

  /** Keeps `document` under `key` for the compiled phase unless it is there already or is not a query; true when it is there. */
  add(key: string, document: DocumentNode, operationName: string | undefined): boolean {
    if (this.#entries.has(key)) return true;
    const operation = getOperationAST(document, operationName);
    if (operation?.operation !== 'query') return false;
    setNewest(this.#entries, key, { document, operationName }, this.capacity);
    return true;
  }

  #compiled(document: DocumentNode, operationName: string | undefined): CompiledDocument | null {
    const operation = getOperationAST(document, operationName);
    if (!operation) return null;
    const compiled = compileQuery(this.schema, document, operationName);
    if (!isCompiledQuery(compiled)) return null;
    const fragments = new Map(
      document.definitions
        .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment] as const),
    );
    return {
      run: (context, variables) => compiled.query(undefined, context, variables),
      operationName: operationName ?? operation.name?.value,
      locate: (path) => {
        let set: SelectionSetNode | undefined = operation.selectionSet;
        let field: FieldNode | undefined;
        for (const segment of path) {
          if (typeof segment === 'number') continue;
          field = set && fieldAt(set, segment, fragments);
          set = field?.selectionSet;
        }
        return field;
      },
    };
  }
}
