import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Credentials } from '../auth/credentials.ts';
import type { RequestRecord } from '../logging/request-record.ts';
import type { Context } from '../schema/context.ts';

/** What the /graphql route hands every GraphQL transport: the HTTP facts of one request, worked out once. */
export interface ServerContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The POST body the route read, bounded and parsed; undefined for GET. */
  parsedBody?: unknown;
  record: RequestRecord;
  /** Aborted when the operation deadline passes or the client goes away. */
  signal: AbortSignal;
  credentials: Credentials;
  /** The caller's key (never the token) when the credentials are usable. */
  callerKey: string | null;
}

/** Yoga over the schema, as this server types it: its server context and the resolvers' context. */
export type Yoga = YogaServerInstance<ServerContext, Context>;
