import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema/index.js';

/** The schema as committed in schema/schema.graphql: sorted SDL (graphql-js prints @specifiedBy itself). */
export function printSDL(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
