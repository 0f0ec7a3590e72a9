import {
  type ASTVisitor,
  BREAK,
  type DocumentNode,
  type GraphQLError,
  parse,
  print,
  specifiedRules,
  type ValidationContext,
  type ValidationRule,
  validate,
  visit,
  visitInParallel,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema/index.js';
import { parallelRule } from '../../src/plugins/use-validation.js';

/** Documents each rule of the specification refuses, and some it accepts, against the gateway's schema. */
const DOCUMENTS = [
  'query TokenStatus($a: ID) { tokenStatus(appId: $a) { appId state expiresAt expiresInSeconds } } # 1',
  '{ nope }',
  'query Unused($a: ID) { __typename }',
  '{ tokenStatus(appId: $undefined) { appId } }',
  '{ tokenStatus(appId: 1, appId: 2, nope: 3) { appId } }',
  'query A { __typename } query A { __typename }',
  '{ __typename } query Named { __typename }',
  '{ tokenStatus(appId: "a") }',
  '{ __typename { nope } }',
  'fragment A on Query { ...B } fragment B on Query { ...A } { ...A }',
  'fragment Unused on Query { __typename } { __typename }',
  '{ ...Missing }',
  'fragment F on Nope { __typename } { ...F }',
  'fragment F on String { __typename } { ...F }',
  '{ x: tokenStatus(appId: "a") { appId } x: tokenStatus(appId: "b") { appId } }',
  '{ __typename @nope __typename @skip(if: true) @skip(if: false) }',
  'query Q($a: Nope, $a: ID) { __typename }',
  'query Q($a: Boolean) { tokenStatus(appId: $a) { appId } }',
  'subscription S { a: __typename b: __typename }',
  '{ __schema { types { name } } __type(name: "Query") { name } }',
  'type Extra { a: Int } { __typename }',
  `{ ${Array.from({ length: 150 }, (_, i) => `f${i}`).join(' ')} }`,
];

const messages = (errors: readonly GraphQLError[]) => errors.map((error) => error.toJSON());

/** A rule that records what it sees and, at chosen nodes, skips a subtree, stops or edits. */
function recorder(name: string, events: string[], actions: Record<string, unknown>): ValidationRule {
  return () => ({
    enter(node) {
      const at = `${name}:enter:${node.kind}:${'name' in node && node.name ? node.name.value : ''}`;
      events.push(at);
      return actions[at];
    },
    leave(node) {
      const at = `${name}:leave:${node.kind}:${'name' in node && node.name ? node.name.value : ''}`;
      events.push(at);
      return actions[at];
    },
  });
}

/** A rule with per-kind handlers only (the form most rules take), one of them `{ enter, leave }`. */
function fieldsOnly(events: string[]): ValidationRule {
  return () => ({
    Field: {
      enter(node) {
        events.push(`fields:enter:${node.name.value}`);
        return node.name.value === 'skipMe' ? false : undefined;
      },
      leave(node) {
        events.push(`fields:leave:${node.name.value}`);
      },
    },
    OperationDefinition(node) {
      events.push(`fields:operation:${node.name?.value ?? ''}`);
    },
  });
}

describe('parallelRule (use-validation.ts)', () => {
  it.each(DOCUMENTS)('finds the errors graphql-js finds, in its order: %s', (text) => {
    const document = parse(text);
    const expected = messages(validate(schema, document, specifiedRules));
    const found = messages(validate(schema, document, [parallelRule(specifiedRules)]));
    expect(found).toEqual(expected);
  });

  it('stops at the same error limit as graphql-js', () => {
    const document = parse(DOCUMENTS.at(-1) as string);
    const expected = validate(schema, document, specifiedRules, { maxErrors: 5 });
    const found = validate(schema, document, [parallelRule(specifiedRules)], { maxErrors: 5 });
    expect(expected.length).toBe(6);
    expect(messages(found)).toEqual(messages(expected));
  });

  it('asks a visitor about a kind wherever its handler for it sits: own key, enter/leave, or prototype', () => {
    const document = parse('query Q { a { b } } fragment F on T { c }');
    /** A class instance: its handlers are prototype methods, which no own key names. */
    class PrototypeVisitor {
      constructor(private readonly events: string[]) {}
      Field(node: { name: { value: string } }) {
        this.events.push(`prototype:field:${node.name.value}`);
      }
    }
    const run = (merge: (visitors: ASTVisitor[]) => ASTVisitor) => {
      const events: string[] = [];
      const visitors: ASTVisitor[] = [
        new PrototypeVisitor(events) as unknown as ASTVisitor,
        {
          // Its own key for Field wins over its enter for Field nodes; enter answers every other kind.
          Field(node) {
            events.push(`mixed:field:${node.name.value}`);
          },
          enter(node) {
            events.push(`mixed:enter:${node.kind}`);
          },
        },
        {
          FragmentDefinition: { leave: (node) => void events.push(`own:leave:${node.name.value}`) },
        },
      ];
      visit(document, merge(visitors));
      return events;
    };
    const expected = run((visitors) => visitInParallel(visitors));
    const found = run((visitors) =>
      parallelRule(visitors.map((visitor) => () => visitor))({} as ValidationContext),
    );
    expect(expected).toContain('prototype:field:b');
    expect(expected).toContain('mixed:field:a');
    expect(expected).not.toContain('mixed:enter:Field');
    expect(expected).toContain('mixed:enter:FragmentDefinition');
    expect(expected).toContain('own:leave:F');
    expect(found).toEqual(expected);
  });

  it('skips, stops and edits as visitInParallel does', () => {
    const document: DocumentNode = parse(`
      query Q { a { skipMe { inner } b } c { d } e }
      fragment F on T { g { h } }
    `);
    const actions: Record<string, unknown> = {
      'one:enter:Field:a': false,
      'two:enter:Field:c': BREAK,
      'three:leave:Field:d': BREAK,
      'four:enter:FragmentDefinition:F': null,
    };
    const run = (merge: (visitors: ASTVisitor[]) => ASTVisitor) => {
      const events: string[] = [];
      const rules = [
        recorder('one', events, actions),
        recorder('two', events, actions),
        fieldsOnly(events),
        recorder('three', events, actions),
        recorder('four', events, actions),
      ];
      const context = {} as ValidationContext;
      const edited = visit(document, merge(rules.map((rule) => rule(context))));
      return { events, edited: print(edited) };
    };
    const expected = run((visitors) => visitInParallel(visitors));
    const found = run((visitors) =>
      parallelRule(visitors.map((visitor) => () => visitor))({} as ValidationContext),
    );
    // The fixture exercises each branch: a skipped subtree, a stop, an edit (null removes F).
    expect(expected.events).toContain('fields:enter:skipMe');
    expect(expected.events).not.toContain('one:enter:Field:skipMe');
    expect(expected.events).not.toContain('two:enter:Field:e');
    expect(expected.edited).not.toContain('fragment F');
    expect(found).toEqual(expected);
  });
});
