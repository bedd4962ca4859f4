import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import type { Context } from './context.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  DefaultFieldNullability: false;
  Scalars: {
    Decimal: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [RelayPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // The partner API has no lookup by id in partner scope: a Node interface would mislead clients.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false, description: 'This page: each node with the cursor that resumes after it.' },
    nodeFieldOptions: { nullable: false, description: 'The node at this position.' },
    pageInfoFieldOptions: {
      description: 'Where this page ends and whether another follows: page on with `after: pageInfo.endCursor`.',
    },
    nodesOnConnection: {
      description: 'The nodes of `edges`, for clients that do not need per-edge cursors.',
    },
    pageInfoTypeOptions: {
      description: 'Relay paging state. Paging is forward only (`first`/`after`): the partner API has no way back.',
    },
    hasNextPageFieldOptions: {
      description: 'True exactly when at least one more node follows `endCursor`.',
    },
    hasPreviousPageFieldOptions: {
      description: 'True when nodes come before `startCursor` (this page was asked for with `after`).',
    },
    startCursorFieldOptions: { description: 'Cursor of the first edge; null when the page is empty.' },
    endCursorFieldOptions: {
      description: 'Cursor of the last edge; pass it as `after` for the next page. Null when the page is empty.',
    },
    cursorFieldOptions: { description: 'Opaque cursor resuming just after this node; pass it as `after`.' },
  },
});

builder.queryType({
  description: 'The partner organisation of the bearer token: its customers, invoices and subscriptions.',
});
