import { GraphQLError, getNamedType, isIntrospectionType, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface IntrospectionOptions {
  /** Whether `__schema` and `__type` queries are answered (config GRAPHQL_INTROSPECTION). @default true */
  enabled?: boolean;
}

/**
 * What a refused introspection query is told. GraphiQL sends one for its docs pane and shows this
 * in its result pane: it names the setting, where graphql-js's own rule only says it is disabled.
 */
export const INTROSPECTION_OFF =
  'Introspection is off here (the production default), so GraphiQL has no schema for its docs pane and autocompletion: set GRAPHQL_INTROSPECTION=true to allow it. The schema is also in schema/schema.graphql of the repository.';

/** graphql-js's NoSchemaIntrospectionCustomRule, with a message that says how to turn it on. */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    const type = getNamedType(context.getType());
    if (type && isIntrospectionType(type))
      context.reportError(new GraphQLError(INTROSPECTION_OFF, { nodes: node }));
  },
});

/** Refuses introspection queries as validation errors when disabled (production default). */
export function useIntrospection(options: IntrospectionOptions = {}): Plugin {
  if (options.enabled ?? true) return {};
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noIntrospection);
    },
  };
}
