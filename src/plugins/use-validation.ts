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

/**
 * The rules that visit one node kind, in rule order: `rules[j]` is the index of a rule with an enter or
 * a leave handler for the kind, `enter[j]` and `leave[j]` its handlers. A rule without either can
 * neither skip from nor be resumed at a node of that kind, so it is left out.
 */
interface KindHandlers {
  rules: number[];
  enter: Handler[];
  leave: Handler[];
}

/**
 * The rules that may visit each node kind, in rule order, read off their visitors' own keys: a plain
 * object visitor answers for a kind only under that kind's key or under `enter`/`leave` (which answer
 * for every kind), so one without either for a kind is never asked about it. Any other visitor (a
 * class instance, whose handlers may sit on its prototype) may answer for any kind.
 */
function candidatesByKind(visitors: readonly ASTVisitor[]): (kind: string) => readonly number[] {
  const own = new Map<string, number[]>();
  const everyKind: number[] = [];
  for (let i = 0; i < visitors.length; i++) {
    const visitor = visitors[i] as Record<string, unknown>;
    const prototype = Object.getPrototypeOf(visitor);
    if (prototype !== Object.prototype && prototype !== null) {
      everyKind.push(i);
      continue;
    }
    for (const key in visitor) {
      if (key === 'enter' || key === 'leave') {
        if (everyKind.at(-1) !== i) everyKind.push(i);
        continue;
      }
      const rules = own.get(key);
      if (rules === undefined) own.set(key, [i]);
      else if (rules.at(-1) !== i) rules.push(i);
    }
  }
  return (kind) => {
    const rules = own.get(kind);
    if (rules === undefined) return everyKind;
    if (everyKind.length === 0) return rules;
    return [...new Set([...rules, ...everyKind])].sort((a, b) => a - b);
  };
}

/**
 * The given rules as one rule, visiting each node as graphql-js's `visitInParallel` would (same order,
 * same skip on `false`, same stop on `BREAK`, same edit on any other value), with one difference:
 * the handlers of a node kind are looked up the first time the document holds that kind, and only in
 * the rules whose visitors name that kind (or every kind), not in every rule for every kind of the
 * language before the walk. graphql-js's `validate` runs its rules through `visitInParallel`, which
 * looks up every rule's handlers for each of the language's kinds on every call; a document uses a
 * handful of kinds, and each rule visits a few, so a document Yoga has not validated before pays for
 * the lookups its kinds need, and a node for the rules that visit its kind.
 */
export function parallelRule(rules: readonly ValidationRule[]): ValidationRule {
  return function ParallelRules(context) {
    const visitors = rules.map((rule) => rule(context));
    /** Per rule: null, or the node whose subtree it skips, or BREAK once it stopped. */
    const skipping: unknown[] = visitors.map(() => null);
    const kinds = new Map<string, KindHandlers | null>();
    const candidates = candidatesByKind(visitors);

    const handlersOf = (kind: ASTNode['kind']): KindHandlers | null => {
      let handlers = kinds.get(kind);
      if (handlers !== undefined) return handlers;
      handlers = { rules: [], enter: [], leave: [] };
      for (const i of candidates(kind)) {
        const { enter, leave } = getEnterLeaveForKind(visitors[i] as ASTVisitor, kind);
        if (enter == null && leave == null) continue;
        handlers.rules.push(i);
        handlers.enter.push(enter as Handler);
        handlers.leave.push(leave as Handler);
      }
      if (handlers.rules.length === 0) handlers = null;
      kinds.set(kind, handlers);
      return handlers;
    };

    const visitor: ASTVisitor = {
      enter(node, key, parent, path, ancestors) {
        const handlers = handlersOf(node.kind);
        if (!handlers) return undefined;
        for (let j = 0; j < handlers.rules.length; j++) {
          const i = handlers.rules[j] as number;
          const enter = handlers.enter[j];
          if (skipping[i] !== null || enter === undefined) continue;
          const result = enter.call(visitors[i], node, key, parent, path, ancestors);
          if (result === false) skipping[i] = node;
          else if (result === BREAK) skipping[i] = BREAK;
          else if (result !== undefined) return result;
        }
        return undefined;
      },
      leave(node, key, parent, path, ancestors) {
        const handlers = handlersOf(node.kind);
        if (!handlers) return undefined;
        for (let j = 0; j < handlers.rules.length; j++) {
          const i = handlers.rules[j] as number;
          if (skipping[i] === null) {
            const result = handlers.leave[j]?.call(visitors[i], node, key, parent, path, ancestors);
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
