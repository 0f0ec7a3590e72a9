import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';
import type { QueryLimitConfig } from '../config/index.js';
import { armorConfig } from '../limits/query-limits.js';

/**
 * Depth, alias, directive, token and cost limits (graphql-armor): a document over any of them is
 * refused with BAD_USER_INPUT before anything runs. Field suggestions are blocked when asked.
 */
export function useQueryLimits(
  limits: QueryLimitConfig,
  options: { blockFieldSuggestions: boolean },
): Plugin {
  return EnvelopArmorPlugin(armorConfig(limits, options));
}
