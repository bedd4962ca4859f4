import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.ts';

function stringScalar(name: 'Decimal' | 'Date' | 'DateTime', description: string, pattern: RegExp) {
  const check = (value: unknown): string => {
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new GraphQLError(`${name} cannot represent ${JSON.stringify(value)}.`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return value;
  };
  builder.scalarType(name, {
    description,
    serialize: (value) => value,
    parseValue: check,
    parseLiteral: (ast) => check(ast.kind === Kind.STRING ? ast.value : undefined),
  });
}

stringScalar(
  'Decimal',
  'An exact decimal number as a string with at least two decimals, e.g. "1249.50". Money is never a Float.',
  /^-?\d+\.\d{2,}$/,
);
stringScalar('Date', 'A calendar date, `YYYY-MM-DD`.', /^\d{4}-\d{2}-\d{2}$/);
stringScalar(
  'DateTime',
  'An ISO-8601 date-time as the partner API sent it, e.g. `2024-03-01T01:36:08.325Z`.',
  /^\d{4}-\d{2}-\d{2}T/,
);

builder.scalarType('JSON', {
  description: 'Any JSON value: fields the partner API sent that this schema does not model.',
  serialize: (value) => value,
  parseValue: (value) => value,
});
