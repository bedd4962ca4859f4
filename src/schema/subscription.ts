import type { BillingSubscription } from '../partner/subscriptions.ts';
import { builder } from './builder.ts';
import { CustomerRef } from './customer.ts';
import {
  CONNECTION_ERRORS,
  CUSTOMER_LOOKUP,
  CUSTOMER_LOOKUP_ERRORS,
  forwardPagingArgs,
  PAGING_RULES,
  type UpstreamPagingExtension,
} from './paging-args.ts';

// Not named `Subscription`: SDL tools read that as the root subscription type.
export const BillingSubscriptionRef = builder.objectRef<BillingSubscription>('BillingSubscription').implement({
  description: 'A subscription of a customer of the partner organisation (a Limio subscription object summary).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The subscription id, `sub-…`; globally unique.' }),
    name: t.exposeString('name', { description: 'The subscription reference, e.g. `3V053CN9SFIG`.' }),
    status: t.exposeString('status', {
      description:
        'Status: `active`, `cancelled`, `expired`, `pending` are documented; others occur (e.g. `initial`). An open set.',
    }),
    startDate: t.expose('startDate', { type: 'Date', nullable: true, description: 'When the subscription starts.' }),
    customerId: t.exposeString('customerId', {
      nullable: true,
      description: 'The id (`cus-…`) of the customer who holds it.',
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      extensions: CUSTOMER_LOOKUP,
      description: `The customer who holds it (\`customerId\`); null when there is none or the partner organisation has no customer with that id (no error). ${CUSTOMER_LOOKUP_ERRORS}`,
      resolve: (subscription, _args, ctx) =>
        subscription.customerId === null ? null : ctx.customerDirectory.load(subscription.customerId),
    }),
    owner: t.exposeString('owner', { nullable: true, description: 'The owner recorded on the object.' }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the subscription was created; connections list newest first.',
    }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the subscription was last updated.',
    }),
    data: t.expose('data', {
      type: 'JSON',
      nullable: true,
      description: "The summary of the subscription's data, as the partner API sent it.",
    }),
    extra: t.expose('extra', {
      type: 'JSON',
      description: 'Every field the partner API sent that this type does not model, unchanged.',
    }),
  }),
});

const BillingSubscriptionConnection = builder.connectionObject(
  {
    name: 'BillingSubscriptionConnection',
    type: BillingSubscriptionRef,
    description: `A page of subscriptions, newest first. ${PAGING_RULES}`,
  },
  { name: 'BillingSubscriptionEdge', description: 'A subscription and the cursor that resumes after it.' },
);

/** How this connection makes hasNextPage exact: read by the pager and the upstream-call budget. */
const PAGING = { exactness: 'lookahead' } as const satisfies UpstreamPagingExtension;

builder.queryField('subscriptions', (t) =>
  t.field({
    type: BillingSubscriptionConnection,
    nullable: true,
    extensions: { upstreamPaging: PAGING },
    description: `Subscriptions of the partner organisation's customers, newest first. ${CONNECTION_ERRORS}`,
    args: forwardPagingArgs(),
    resolve: (_root, args, ctx) =>
      ctx.pager.page({
        connection: 'subscriptions',
        bindings: {},
        first: args.first,
        after: args.after,
        exactness: PAGING.exactness,
        fetchPage: (token, size) => ctx.partner().listSubscriptions({ token, size }),
      }),
  }),
);
