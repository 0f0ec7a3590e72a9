import { GraphQLError, Kind } from 'graphql';
import { builder } from '../builder.js';

const DATE_TIME_SPEC = 'https://scalars.graphql.org/andimarek/date-time';

/** RFC 3339 date-time with an offset, as the date-time scalar spec requires. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && RFC3339.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO 8601 string such as "2026-01-31T08:00:00.000Z".', {
      extensions: { code: 'BAD_USER_INPUT', retryable: false },
    });
  }
  return date;
}

builder.scalarType('DateTime', {
  description: 'An instant as an ISO 8601 / RFC 3339 string in UTC, e.g. "2026-01-31T08:00:00.000Z".',
  specifiedByURL: DATE_TIME_SPEC,
  serialize: (value) => {
    // Resolvers return Dates; anything else is a server bug, masked as INTERNAL_SERVER_ERROR.
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new TypeError(`DateTime cannot represent ${typeof value} ${String(value).slice(0, 40)}`);
    }
    return value.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined),
});
