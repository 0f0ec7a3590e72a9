import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface IntrospectionOptions {
  /** Whether `__schema` and `__type` queries are answered (config GRAPHQL_INTROSPECTION). @default true */
  enabled?: boolean;
}

/** Refuses introspection queries as validation errors when disabled (production default). */
export function useIntrospection(options: IntrospectionOptions = {}): Plugin {
  if (options.enabled ?? true) return {};
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
