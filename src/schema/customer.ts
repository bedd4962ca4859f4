import { GraphQLError } from 'graphql';
import { PagingArgumentError } from '../pagination/pager.ts';
import { type Customer, isCustomerId } from '../partner/customers.ts';
import { builder } from './builder.ts';
import {
  CONNECTION_ERRORS,
  CUSTOMER_LOOKUP,
  CUSTOMER_LOOKUP_ERRORS,
  forwardPagingArgs,
  PAGING_RULES,
  type UpstreamPagingExtension,
} from './paging-args.ts';

/** The longest customer search text accepted; longer is BAD_USER_INPUT, with no upstream call. */
export const MAX_FILTER_LENGTH = 200;

export const CustomerRef = builder.objectRef<Customer>('Customer').implement({
  description: 'A customer (account) of the partner organisation.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The customer id, `cus-…`; globally unique.' }),
    name: t.exposeString('name', { description: 'The account name: the company name, else first and last name.' }),
    firstName: t.exposeString('firstName', { nullable: true, description: 'First name of the contact person.' }),
    lastName: t.exposeString('lastName', { nullable: true, description: 'Last name of the contact person.' }),
    email: t.exposeString('email', { nullable: true, description: 'Email address of the contact person.' }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the customer was created; connections list newest first.',
    }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the customer was last updated.',
    }),
    extra: t.expose('extra', {
      type: 'JSON',
      description: 'Every field the partner API sent that this type does not model, unchanged.',
    }),
  }),
});

const CustomerConnection = builder.connectionObject(
  {
    name: 'CustomerConnection',
    type: CustomerRef,
    description: `A page of customers, newest first. ${PAGING_RULES}`,
    fields: (t) => ({
      totalCount: t.int({
        nullable: true,
        description: 'How many customers match the filter in all, as the partner API counts them (`hits`).',
        resolve: (parent) => (parent as { totalCount?: number | null }).totalCount ?? null,
      }),
    }),
  },
  { name: 'CustomerEdge', description: 'A customer and the cursor that resumes after it.' },
);

/** How this connection makes hasNextPage exact: read by the pager and the upstream-call budget. */
const PAGING = { exactness: 'total' } as const satisfies UpstreamPagingExtension;

builder.queryField('customers', (t) =>
  t.field({
    type: CustomerConnection,
    nullable: true,
    extensions: { upstreamPaging: PAGING },
    description: `Customers of the partner organisation, newest first, optionally filtered. ${CONNECTION_ERRORS}`,
    args: {
      ...forwardPagingArgs(),
      filter: t.arg.string({
        description: `Free-text search matched by the partner API against name, email and more (at most ${MAX_FILTER_LENGTH} characters). Cursors are bound to the filter they were taken with.`,
      }),
    },
    resolve: (_root, args, ctx) => {
      const filter = args.filter ? args.filter : null;
      if (filter !== null && filter.length > MAX_FILTER_LENGTH) {
        throw new PagingArgumentError(`Argument "filter" must be at most ${MAX_FILTER_LENGTH} characters.`);
      }
      return ctx.pager.page({
        connection: 'customers',
        bindings: { filter },
        first: args.first,
        after: args.after,
        exactness: PAGING.exactness,
        fetchPage: (token, size) => ctx.partner().searchCustomers({ filter, token, size }),
      });
    },
  }),
);

builder.queryField('customer', (t) =>
  t.field({
    type: CustomerRef,
    nullable: true,
    extensions: CUSTOMER_LOOKUP,
    description: `The customer with this id, or null when the partner organisation has none (no error). ${CUSTOMER_LOOKUP_ERRORS} An id that cannot be a customer id is BAD_USER_INPUT, with no upstream call.`,
    args: { id: t.arg.id({ required: true, description: 'A customer id, `cus-…`.' }) },
    resolve: (_root, args, ctx) => {
      const id = String(args.id);
      if (!isCustomerId(id)) {
        throw new GraphQLError(`Argument "id" is not a customer id (\`cus-…\`).`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      return ctx.customerDirectory.load(id);
    },
  }),
);
