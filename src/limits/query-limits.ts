import type { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { QueryLimitConfig } from '../config/index.js';

/** Armor's messages start with "Syntax Error:" even for depth or cost; ours say what was over which limit. */
function coded(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/^Syntax Error: /, '');
  return new GraphQLError(`Query refused before execution: ${message}`, {
    // The HTTP status follows GraphQL over HTTP, like every parse or validation error: 400 for
    // application/graphql-response+json, 200 with `errors` and no `data` for application/json.
    extensions: { code: 'BAD_USER_INPUT', retryable: false },
  });
}

/** Validation rules report through their context; the token counter runs in the parser and must throw. */
function reject(context: ValidationContext | null, error: GraphQLError): void {
  if (context) context.reportError(coded(error));
  else throw coded(error);
}

type GraphQLArmorConfig = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;

const callbacks = { onReject: [reject], propagateOnRejection: false };

/**
 * graphql-armor settings from the gateway's limits. Every limit stops a document before execution with
 * a BAD_USER_INPUT error naming the limit; `blockFieldSuggestions` hides "Did you mean …" (which leaks
 * field names when introspection is off).
 */
export function armorConfig(
  limits: QueryLimitConfig,
  options: { blockFieldSuggestions: boolean },
): GraphQLArmorConfig {
  return {
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, ...callbacks },
    maxAliases: { n: limits.maxAliases, ...callbacks },
    maxDirectives: { n: limits.maxDirectives, ...callbacks },
    maxTokens: { n: limits.maxTokens, ...callbacks },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, ...callbacks },
    blockFieldSuggestion: { enabled: options.blockFieldSuggestions },
  };
}
