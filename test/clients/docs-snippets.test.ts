import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

const ROOT = new URL('../../', import.meta.url);
// A marked fence: `<!-- snippet: path -->`, then a ```ts block whose text must appear verbatim in path.
const SNIPPET = /<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)```/g;
// Biome formats the Markdown's code blocks too, moving a snippet taken from inside a function to column 0:
// lines are compared without their leading indentation.
const unindented = (text: string) => text.replace(/^[ \t]+/gm, '');

describe('the frontend guide shows the client code the tests run', async () => {
  const doc = await readFile(new URL('docs/frontend.md', ROOT), 'utf8');
  const snippets = [...doc.matchAll(SNIPPET)].map(([, path = '', code = '']) => ({ path, code }));

  it('has marked snippets for Apollo, Relay and urql', () => {
    const sources = new Set(snippets.map((s) => s.path));
    for (const test of [
      'test/clients/apollo.test.ts',
      'test/clients/relay.test.ts',
      'test/clients/relay/InvoiceList.ts',
      'test/clients/urql.test.ts',
    ]) {
      expect(sources).toContain(test);
    }
  });

  it.each(snippets.map((s, i) => [i + 1, s.path, s.code] as const))(
    'snippet %i is verbatim in %s',
    async (_n, path, code) => {
      expect(unindented(await readFile(new URL(path, ROOT), 'utf8'))).toContain(unindented(code));
    },
  );
});

describe("the README's first query, against the sandbox `npm start` embeds", () => {
  let stack: Stack;
  // Default sandbox options, as `npm start` has them; orgA's token is the one GraphiQL prefills.
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('finds at least one customer, and every connection answers', async () => {
    const doc = await readFile(new URL('README.md', ROOT), 'utf8');
    const query = /^```graphql\n([\s\S]*?)```/m.exec(doc)?.[1];
    expect(query).toContain('customers(');
    const { status, body } = await stack.gql<{
      data?: { customers: { totalCount: number; nodes: { id: string }[] } | null } & Record<string, unknown>;
      errors?: unknown[];
    }>(query ?? '');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.customers?.nodes.length).toBeGreaterThan(0);
    expect(body.data?.customers?.totalCount).toBeGreaterThan(0);
    expect(body.data?.invoices).not.toBeNull();
    expect(body.data?.subscriptions).not.toBeNull();
  });
});
