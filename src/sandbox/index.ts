// The embedded Limio partner API sandbox: seeded data, JWT-shaped demo tokens,
// keyset pagination, invoice PDFs, fault injection and a call record, on a real
// HTTP server. It imports nothing from the facade, as the real API would not.
import { mintDemoToken } from './auth.ts';
import { createCallRecorder } from './calls.ts';
import { generateOrganisations, type OrganisationData } from './data.ts';
import { createFaultEngine } from './faults.ts';
import { startServer } from './server.ts';
import { OrganisationStore } from './store.ts';
import type { Sandbox, SandboxOptions, SandboxOrganisation } from './types.ts';

export type * from './types.ts';

export const DEFAULT_RECORD_COUNT = 300;
const MAX_RECORD_COUNT = 1_000_000;
const MAX_PDF_BYTES = 256 * 1024 * 1024;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = integerOption(options, 'seed', 1, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const counts = {
    customers: integerOption(options, 'customers', DEFAULT_RECORD_COUNT, 0, MAX_RECORD_COUNT),
    invoices: integerOption(options, 'invoices', DEFAULT_RECORD_COUNT, 0, MAX_RECORD_COUNT),
    subscriptions: integerOption(options, 'subscriptions', DEFAULT_RECORD_COUNT, 0, MAX_RECORD_COUNT),
  };
  const port = integerOption(options, 'port', 0, 0, 65_535);
  const largePdfBytes =
    options.largePdfBytes === undefined ? undefined : integerOption(options, 'largePdfBytes', 0, 1, MAX_PDF_BYTES);

  const stores = generateOrganisations(seed, counts).map(
    (data) => new OrganisationStore(data, mintDemoToken(seed, data.profile.name)),
  );
  const storeByName = new Map(stores.map((store) => [store.name, store]));
  const tokens = Object.fromEntries(stores.map((store) => [store.name, store.token]));
  const faults = createFaultEngine(seed, options.faults ?? []);
  const calls = createCallRecorder({
    limit: integerOption(options, 'maxRecordedCalls', 10_000, 1, 10_000_000),
    secrets: Object.values(tokens),
  });
  const server = await startServer(
    {
      stores: storeByName,
      organisationByToken: new Map(stores.map((store) => [store.token, store.name])),
      faults,
      calls,
      settings: {
        seed,
        shortInvoicePages: options.shortInvoicePages ?? false,
        trailingTokens: options.trailingTokens ?? false,
        largePdfBytes,
        rawPdf: options.rawPdf ?? false,
        log: options.log ?? false,
      },
    },
    port,
  );

  return {
    url: `http://127.0.0.1:${server.port}/api`,
    tokens,
    organisations: stores.map((store) => publicOrganisation(store.data, store.token)),
    calls: { list: calls.list, count: calls.count, clear: calls.clear },
    faults: { set: faults.set, add: faults.add, clear: faults.clear, list: faults.list },
    pdfFor(organisation, invoiceId) {
      const pdf = storeByName.get(organisation)?.invoicePdf(invoiceId, largePdfBytes);
      if (pdf === undefined) throw new RangeError(`Organisation ${organisation} has no invoice ${invoiceId}`);
      return pdf;
    },
    close: server.close,
  };
}

/** Records are built on first use; these getters build (and keep) a whole kind when read. */
function publicOrganisation(data: OrganisationData, token: string): SandboxOrganisation {
  return {
    name: data.profile.name,
    token,
    get customers() {
      return data.customers.all();
    },
    get invoices() {
      return data.invoices.all();
    },
    get subscriptions() {
      return data.subscriptions.all();
    },
  };
}

type IntegerOption =
  | 'seed'
  | 'customers'
  | 'invoices'
  | 'subscriptions'
  | 'port'
  | 'largePdfBytes'
  | 'maxRecordedCalls';

function integerOption(
  options: SandboxOptions,
  name: IntegerOption,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[name] ?? fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`Sandbox option ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
