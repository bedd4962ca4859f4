import { forwardedHeaders } from '../auth/forwarded-headers.ts';
import type { Config } from '../config/index.ts';
import { publicBaseUrl } from '../downloads/base-url.ts';
import type { Downloads } from '../downloads/downloads.ts';
import type { CursorCodec } from '../pagination/cursor.ts';
import type { CustomerDirectory, CustomerLookup } from '../pagination/directory/index.ts';
import type { KeptPages } from '../pagination/kept-pages.ts';
import { createPager } from '../pagination/pager.ts';
import type { Caller } from '../partner/caller.ts';
import { createPartnerClient, type PartnerClient } from '../partner/client.ts';
import { LARGEST_CUSTOMER_PAGE } from '../partner/customers.ts';
import { PartnerError } from '../partner/errors.ts';
import type { UpstreamHttp } from '../partner/http.ts';
import type { Context } from '../schema/context.ts';
import type { ServerContext } from './server-context.ts';

/** What every request shares: built once by createApp. Holds nothing that belongs to a caller. */
export interface Services {
  config: Config;
  http: UpstreamHttp;
  cursors: CursorCodec;
  keptPages: KeptPages;
  customerDirectory: CustomerDirectory;
  downloads: Downloads;
}

/** The resolvers' context for one request: the caller, their partner client, pager, customer lookups and links. */
export function createContext(services: Services, server: ServerContext): Context {
  const { config } = services;
  const { req, credentials, record } = server;
  const caller: Caller | null = credentials.ok
    ? {
        token: credentials.token,
        headers: forwardedHeaders((name) => req.headers[name], config.forwardHeaders, record.id),
        signal: server.signal,
      }
    : null;
  let partner: PartnerClient | undefined;
  let baseUrl: { value: string | null } | undefined;
  let customers: CustomerLookup | undefined;
  const partnerClient = () => {
    if (!caller) throw new PartnerError('UNAUTHENTICATED', credentials.ok ? 'Unauthenticated.' : credentials.problem);
    partner ??= createPartnerClient(services.http, caller);
    return partner;
  };
  const customerLookup = (): CustomerLookup => {
    const client = partnerClient();
    return services.customerDirectory.lookup({
      callerKey: server.callerKey ?? '',
      token: caller?.token ?? '',
      readPage: (token) => client.searchCustomers({ filter: null, token, size: LARGEST_CUSTOMER_PAGE }),
      signal: server.signal,
    });
  };
  return {
    caller,
    credentialProblem: credentials.ok ? null : credentials.problem,
    requestId: record.id,
    partner: partnerClient,
    pager: createPager({
      cursors: services.cursors,
      keptPages: services.keptPages,
      callerKey: server.callerKey ?? 'anonymous',
      limits: config.paging,
    }),
    customerDirectory: {
      load(id) {
        customers ??= customerLookup();
        return customers.load(id);
      },
    },
    pdfLinks: services.downloads,
    publicBaseUrl() {
      const protocol = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
      baseUrl ??= { value: publicBaseUrl(config.downloads, protocol, (name) => headerValue(req.headers[name])) };
      return baseUrl.value;
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
