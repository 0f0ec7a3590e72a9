import {
  type ASTNode,
  type ASTVisitFn,
  type ASTVisitor,
  BREAK,
  getEnterLeaveForKind,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

type Handler = ASTVisitFn<ASTNode> | undefined;

/** The handlers of one node kind, by rule (index i is rule i's), or null when no rule visits that kind. */
interface KindHandlers {
  enter: Handler[];
  leave: Handler[];
}

/**
 * The given rules as one rule, visiting each node as graphql-js's `visitInParallel` would (same order,
 * same skip on `false`, same stop on `BREAK`, same edit on any other value), with one difference:
 * the handlers of a node kind are looked up the first time the document holds that kind, not for
 * every kind of the language before the walk. graphql-js's `validate` runs its rules through
 * `visitInParallel`, which looks up every rule's handlers for each of the language's kinds on every
 * call; a document uses a handful of kinds, so a document Yoga has not validated before pays for
 * those it holds.
 */
export function parallelRule(rules: readonly ValidationRule[]): ValidationRule {
  return function ParallelRules(context) {
    const visitors = rules.map((rule) => rule(context));
    /** Per rule: null, or the node whose subtree it skips, or BREAK once it stopped. */
    const skipping: unknown[] = visitors.map(() => null);
    const kinds = new Map<string, KindHandlers | null>();

    const handlersOf = (kind: string): KindHandlers | null => {
      let handlers = kinds.get(kind);
      if (handlers !== undefined) return handlers;
      const enter: Handler[] = [];
      const leave: Handler[] = [];
      let any = false;
      for (const visitor of visitors) {
        const pair = getEnterLeaveForKind(visitor, kind as ASTNode['kind']);
        enter.push(pair.enter as Handler);
        leave.push(pair.leave as Handler);
        any ||= pair.enter != null || pair.leave != null;
      }
      handlers = any ? { enter, leave } : null;
      kinds.set(kind, handlers);
      return handlers;
    };

    const visitor: ASTVisitor = {
      enter(...args) {
        const node = args[0];
        const handlers = handlersOf(node.kind);
        if (!handlers) return undefined;
        for (let i = 0; i < visitors.length; i++) {
          if (skipping[i] !== null) continue;
          const result = handlers.enter[i]?.apply(visitors[i], args);
          if (result === false) skipping[i] = node;
          else if (result === BREAK) skipping[i] = BREAK;
          else if (result !== undefined) return result;
        }
        return undefined;
      },
      leave(...args) {
        const node = args[0];
        const handlers = handlersOf(node.kind);
        if (!handlers) return undefined;
        for (let i = 0; i < visitors.length; i++) {
          if (skipping[i] === null) {
            const result = handlers.leave[i]?.apply(visitors[i], args);
            if (result === BREAK) skipping[i] = BREAK;
            else if (result !== undefined && result !== false) return result;
          } else if (skipping[i] === node) {
            skipping[i] = null;
          }
        }
        return undefined;
      },
    };
    return visitor;
  };
}

/**
 * Validation with the rules every plugin added (graphql-js's, graphql-armor's, introspection's), run as
 * one rule (`parallelRule`): the same errors in the same order, for less work per document. Wraps
 * whichever validation function runs, so a later `setValidationFn` still wins.
 */
export function useValidation(): Plugin {
  return {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((schema, document, rules, typeInfo, options) =>
        validateFn(schema, document, rules && [parallelRule(rules)], typeInfo, options),
      );
    },
  };
}
