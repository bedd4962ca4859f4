/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query CustomerPage($id: ID!) {\n  customer(id: $id) {\n    id\n    name\n    firstName\n    lastName\n    email\n    createdAt\n    updatedAt\n    extra\n  }\n}": typeof types.CustomerPageDocument,
    "query CustomersPage($first: Int, $after: String, $filter: String) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        firstName\n        lastName\n        email\n        createdAt\n        updatedAt\n        extra\n      }\n    }\n  }\n}": typeof types.CustomersPageDocument,
    "query InvoicesPage($first: Int, $after: String, $pdfExpiresIn: Int) {\n  invoices(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        invoiceNumber\n        accountId\n        invoiceDate\n        dueDate\n        amount\n        balance\n        currency\n        status\n        extra\n        pdfUrl(expiresIn: $pdfExpiresIn)\n      }\n    }\n  }\n}": typeof types.InvoicesPageDocument,
    "query PartnerOverview($first: Int = 5, $customersAfter: String, $invoicesAfter: String, $subscriptionsAfter: String) {\n  customers(first: $first, after: $customersAfter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      createdAt\n    }\n  }\n  invoices(first: $first, after: $invoicesAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      invoiceNumber\n      invoiceDate\n      amount\n      currency\n      status\n      pdfUrl\n    }\n  }\n  subscriptions(first: $first, after: $subscriptionsAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n    }\n  }\n}": typeof types.PartnerOverviewDocument,
    "query SubscriptionsWithCustomers($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n      customer {\n        id\n        name\n        email\n      }\n    }\n  }\n}": typeof types.SubscriptionsWithCustomersDocument,
    "query SubscriptionsPage($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        status\n        startDate\n        customerId\n        owner\n        createdAt\n        updatedAt\n        data\n        extra\n      }\n    }\n  }\n}": typeof types.SubscriptionsPageDocument,
};
const documents: Documents = {
    "query CustomerPage($id: ID!) {\n  customer(id: $id) {\n    id\n    name\n    firstName\n    lastName\n    email\n    createdAt\n    updatedAt\n    extra\n  }\n}": types.CustomerPageDocument,
    "query CustomersPage($first: Int, $after: String, $filter: String) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        firstName\n        lastName\n        email\n        createdAt\n        updatedAt\n        extra\n      }\n    }\n  }\n}": types.CustomersPageDocument,
    "query InvoicesPage($first: Int, $after: String, $pdfExpiresIn: Int) {\n  invoices(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        invoiceNumber\n        accountId\n        invoiceDate\n        dueDate\n        amount\n        balance\n        currency\n        status\n        extra\n        pdfUrl(expiresIn: $pdfExpiresIn)\n      }\n    }\n  }\n}": types.InvoicesPageDocument,
    "query PartnerOverview($first: Int = 5, $customersAfter: String, $invoicesAfter: String, $subscriptionsAfter: String) {\n  customers(first: $first, after: $customersAfter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      createdAt\n    }\n  }\n  invoices(first: $first, after: $invoicesAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      invoiceNumber\n      invoiceDate\n      amount\n      currency\n      status\n      pdfUrl\n    }\n  }\n  subscriptions(first: $first, after: $subscriptionsAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n    }\n  }\n}": types.PartnerOverviewDocument,
    "query SubscriptionsWithCustomers($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n      customer {\n        id\n        name\n        email\n      }\n    }\n  }\n}": types.SubscriptionsWithCustomersDocument,
    "query SubscriptionsPage($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        status\n        startDate\n        customerId\n        owner\n        createdAt\n        updatedAt\n        data\n        extra\n      }\n    }\n  }\n}": types.SubscriptionsPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomerPage($id: ID!) {\n  customer(id: $id) {\n    id\n    name\n    firstName\n    lastName\n    email\n    createdAt\n    updatedAt\n    extra\n  }\n}"): (typeof documents)["query CustomerPage($id: ID!) {\n  customer(id: $id) {\n    id\n    name\n    firstName\n    lastName\n    email\n    createdAt\n    updatedAt\n    extra\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomersPage($first: Int, $after: String, $filter: String) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        firstName\n        lastName\n        email\n        createdAt\n        updatedAt\n        extra\n      }\n    }\n  }\n}"): (typeof documents)["query CustomersPage($first: Int, $after: String, $filter: String) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        firstName\n        lastName\n        email\n        createdAt\n        updatedAt\n        extra\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query InvoicesPage($first: Int, $after: String, $pdfExpiresIn: Int) {\n  invoices(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        invoiceNumber\n        accountId\n        invoiceDate\n        dueDate\n        amount\n        balance\n        currency\n        status\n        extra\n        pdfUrl(expiresIn: $pdfExpiresIn)\n      }\n    }\n  }\n}"): (typeof documents)["query InvoicesPage($first: Int, $after: String, $pdfExpiresIn: Int) {\n  invoices(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        invoiceNumber\n        accountId\n        invoiceDate\n        dueDate\n        amount\n        balance\n        currency\n        status\n        extra\n        pdfUrl(expiresIn: $pdfExpiresIn)\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartnerOverview($first: Int = 5, $customersAfter: String, $invoicesAfter: String, $subscriptionsAfter: String) {\n  customers(first: $first, after: $customersAfter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      createdAt\n    }\n  }\n  invoices(first: $first, after: $invoicesAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      invoiceNumber\n      invoiceDate\n      amount\n      currency\n      status\n      pdfUrl\n    }\n  }\n  subscriptions(first: $first, after: $subscriptionsAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n    }\n  }\n}"): (typeof documents)["query PartnerOverview($first: Int = 5, $customersAfter: String, $invoicesAfter: String, $subscriptionsAfter: String) {\n  customers(first: $first, after: $customersAfter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      createdAt\n    }\n  }\n  invoices(first: $first, after: $invoicesAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      invoiceNumber\n      invoiceDate\n      amount\n      currency\n      status\n      pdfUrl\n    }\n  }\n  subscriptions(first: $first, after: $subscriptionsAfter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SubscriptionsWithCustomers($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n      customer {\n        id\n        name\n        email\n      }\n    }\n  }\n}"): (typeof documents)["query SubscriptionsWithCustomers($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      startDate\n      customerId\n      customer {\n        id\n        name\n        email\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SubscriptionsPage($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        status\n        startDate\n        customerId\n        owner\n        createdAt\n        updatedAt\n        data\n        extra\n      }\n    }\n  }\n}"): (typeof documents)["query SubscriptionsPage($first: Int, $after: String) {\n  subscriptions(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        name\n        status\n        startDate\n        customerId\n        owner\n        createdAt\n        updatedAt\n        data\n        extra\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;