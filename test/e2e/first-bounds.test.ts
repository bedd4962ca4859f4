import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const LITERAL = (first: number) => `{ customers(first: ${first}) { nodes { id } } }`;
const WITH_VARIABLE = 'query Page($first: Int) { customers(first: $first) { nodes { id } } }';

describe('a `first` out of range gets one answer however it is written', () => {
  it.each([1_000, 2_600, 5_000, 10_000])(
    'first: %i as a literal: the paging error, no upstream call',
    async (first) => {
      stack.sandbox.calls.clear();
      const { body } = await stack.gql(LITERAL(first));
      expect(body.errors).toEqual([
        {
          message: `Argument "first" must be an integer from 0 to 500; got ${first}.`,
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      expect(stack.sandbox.calls.count()).toBe(0);
    },
  );

  it.each([-1, 1_000, 2_600, 5_000, 10_000])(
    'first: %i as a variable: the paging error, no upstream call',
    async (first) => {
      stack.sandbox.calls.clear();
      const { body } = await stack.gql(WITH_VARIABLE, { first });
      expect(body.errors?.map((e) => [e.message, e.extensions?.['code']])).toEqual([
        [`Argument "first" must be an integer from 0 to 500; got ${first}.`, 'BAD_USER_INPUT'],
      ]);
      expect(stack.sandbox.calls.count()).toBe(0);
    },
  );

  it('a refused variable never sticks to the document: the same query with a good value answers', async () => {
    await stack.gql(WITH_VARIABLE, { first: 2_600 });
    const { body } = await stack.gql(WITH_VARIABLE, { first: 3 });
    expect(body.errors).toBeUndefined();
    expect((body.data?.['customers'] as { nodes: unknown[] }).nodes).toHaveLength(3);
  });

  it('no limit refusal is worded as a syntax error, and each names its limit', async () => {
    const deep = await startStack({ env: { MAX_DEPTH: '3', MAX_COST: '100', MAX_ALIASES: '1', MAX_TOKENS: '40' } });
    try {
      const queries = {
        depth: '{ customers(first: 2) { edges { node { id } } } }',
        cost: '{ customers(first: 300) { nodes { id name email } } }',
        aliases: '{ a: customers(first: 1) { nodes { id } } b: customers(first: 1) { nodes { id } } }',
        tokens: `{ customers(first: 1) { nodes { ${'id '.repeat(40)} } } }`,
      };
      for (const [limit, query] of Object.entries(queries)) {
        const { body } = await deep.gql(query);
        expect(body.errors?.[0]?.message).not.toMatch(/Syntax Error/);
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit });
      }
    } finally {
      await deep.close();
    }
  });
});
