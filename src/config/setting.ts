import type { z } from 'zod';
import { integer } from './setting-schemas.js';

/** One row of the settings table (settings.ts) and the builders its rows are written with. */

export type NodeEnv = 'development' | 'production' | 'test';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What a default may depend on: the mode, and the values of the rows above it. */
export interface DefaultContext {
  /** The mode the entry point runs in when NODE_ENV is unset (`npm start`: production). */
  defaultNodeEnv: NodeEnv;
  nodeEnv: NodeEnv;
  above: Readonly<Record<string, unknown>>;
}

export interface Setting<T> {
  /** The README's "meaning" cell. */
  description: string;
  /** Checks the trimmed text; the first issue's message is shown with `fix`. */
  schema: z.ZodType<NonNullable<T>, string>;
  /** The value when unset (or set to blanks). */
  default: T | ((context: DefaultContext) => T);
  /** The README's "default" cell. */
  shownDefault: string;
  /** What to do about a bad value, as one sentence starting with "Fix:". */
  fix: string;
  /** A secret's value is never echoed in an error. */
  secret?: boolean;
}

type Spec<T> = Omit<Setting<T>, 'schema' | 'default'> & { schema: z.ZodType<T, string> };

export function required<T>(
  spec: Spec<T> & { default: NoInfer<T> | ((context: DefaultContext) => NoInfer<T>) },
): Setting<T> {
  return spec as Setting<T>;
}

export function optional<T>(spec: Spec<T>): Setting<T | undefined> {
  return { ...spec, default: undefined } as Setting<T | undefined>;
}

export function queryLimit(description: string, fallback: number, min: number, max: number): Setting<number> {
  return {
    description,
    schema: integer(min, max),
    default: fallback,
    shownDefault: `\`${fallback}\``,
    fix: `Fix: a whole number from ${min} to ${max}, e.g. ${fallback}.`,
  };
}
