import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Refuses `__schema` and `__type` (introspection) in validation; `__typename` stays allowed. Used when
 * GRAPHQL_INTROSPECTION is off (the production default): the schema is published in the repository for
 * the teams that need it, not to whoever can reach the endpoint.
 */
export function useDisableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
