import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './customer.ts';
import './invoice.ts';
import './subscription.ts';

export const schema = lexicographicSortSchema(builder.toSchema());
