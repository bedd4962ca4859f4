import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import {
  type GraphQLNamedType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  lexicographicSortSchema,
  parse,
  printSchema,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../../codegen.ts';
import { EXAMPLE_OPERATION } from '../../src/graphql/graphiql.ts';
import { schema } from '../../src/schema/index.ts';

const ROOT = new URL('../../', import.meta.url);
const GENERATED_DIR = 'src/client/generated/';
const run = promisify(execFile);

const read = (path: string) => readFile(new URL(path, ROOT), 'utf8');

describe('committed generated files are current', () => {
  it('schema.graphql is the printed, sorted schema (fix: npm run schema)', async () => {
    expect(await read('schema.graphql')).toBe(`${printSchema(lexicographicSortSchema(schema))}\n`);
  });

  it('src/client/generated is what codegen makes of schema.graphql and the operations (fix: npm run codegen)', async () => {
    const outputs: { filename: string; content: string }[] = await generate(
      { ...codegenConfig, cwd: ROOT.pathname, silent: true },
      false,
    );
    expect(outputs.map((o) => o.filename).sort()).toEqual(
      (await readdir(new URL(GENERATED_DIR, ROOT))).map((f) => `${GENERATED_DIR}${f}`).sort(),
    );
    for (const output of outputs) expect(await read(output.filename), output.filename).toBe(output.content);
  });

  it("Relay's artifacts are what relay-compiler makes of schema.graphql and the test's graphql tags (fix: npm run relay)", async () => {
    const result = await run(new URL('node_modules/.bin/relay-compiler', ROOT).pathname, ['--validate'], {
      cwd: ROOT.pathname,
    }).then(
      () => 'current',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(result).toBe('current');
  });
});

describe('the docs explorer has something to say everywhere', () => {
  const documented = (type: GraphQLNamedType): string[] => {
    const missing = type.description ? [] : [type.name];
    if (!isObjectType(type) && !isInterfaceType(type) && !isInputObjectType(type)) return missing;
    for (const field of Object.values(type.getFields())) {
      if (!field.description) missing.push(`${type.name}.${field.name}`);
      for (const arg of 'args' in field ? field.args : [])
        if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
    }
    return missing;
  };

  it('every type, field and argument has a description', () => {
    const own = Object.values(schema.getTypeMap()).filter((t) => !isIntrospectionType(t) && !isSpecifiedScalarType(t));
    expect(own.flatMap(documented)).toEqual([]);
  });

  it('connections state the cursor and paging rules; root fields list the error codes they can raise', () => {
    const query = schema.getQueryType();
    for (const name of ['customers', 'invoices', 'subscriptions']) {
      const field = query?.getFields()[name];
      expect(field?.description, name).toMatch(
        /Errors \(`extensions\.code`\): UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, RATE_LIMITED/,
      );
      expect(field?.args.find((a) => a.name === 'after')?.description, name).toMatch(
        /opaque, signed, and bound to this connection/,
      );
      expect(field?.args.find((a) => a.name === 'first')?.description, name).toMatch(
        /Outside the range: BAD_USER_INPUT/,
      );
      expect(field?.type.toString()).toMatch(/Connection$/);
    }
    for (const connection of ['CustomerConnection', 'InvoiceConnection', 'BillingSubscriptionConnection']) {
      expect(schema.getType(connection)?.description, connection).toMatch(
        /Forward paging with `first`\/`after`.*`pageInfo\.hasNextPage` is exact/,
      );
    }
    expect(schema.getType('Invoice')).toSatisfy(
      (t) => isObjectType(t) && /BAD_USER_INPUT/.test(t.getFields()['pdfUrl']?.description ?? ''),
    );
  });
});

describe("GraphiQL's example operation", () => {
  it('is valid against the schema: the three connections, with paging variables and pdfUrl', () => {
    const document = parse(EXAMPLE_OPERATION);
    expect(validate(schema, document)).toEqual([]);
    expect(EXAMPLE_OPERATION).toMatch(/customers\(first: \$first, after: \$customersAfter\)/);
    expect(EXAMPLE_OPERATION).toMatch(/invoices\(first: \$first, after: \$invoicesAfter\)[^}]*\}[^}]*pdfUrl/);
    expect(EXAMPLE_OPERATION).toMatch(/subscriptions\(first: \$first, after: \$subscriptionsAfter\)/);
  });
});
