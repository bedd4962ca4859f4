// Seeded record generation. Start-up computes only the key columns (ids and creation
// times, newest first); each record is built on first use from its own seeded stream,
// so 100,000 records per kind per organisation start in well under a second and a
// record never depends on which records were looked at before it.
import { createCipheriv } from 'node:crypto';
import {
  createRandom,
  mixSeed,
  pick,
  pickWeighted,
  type Random,
  randomAlphanumeric,
  randomHex,
  randomInt,
} from './random.ts';
import { IdColumn, RecordTable } from './record-table.ts';
import type {
  InvoiceStatus,
  SandboxCustomer,
  SandboxInvoice,
  SandboxSubscription,
  SubscriptionStatus,
} from './types.ts';
import {
  COMPANY_NAMES,
  COUNTRIES,
  type Country,
  CUSTOMER_TAGS,
  FIRST_NAMES,
  LAST_NAMES,
  OFFERS,
  PAYMENT_TERMS,
  PRICE_POINTS_CENTS,
  PRICE_POINTS_YEN,
} from './vocabulary.ts';

/** The newest record of every kind is created shortly before this instant. */
const NEWEST_RECORD_TIME = Date.UTC(2025, 5, 30, 17, 45, 12, 481);
const DAY_MS = 86_400_000;
const HISTORY_MS = 3 * 365 * DAY_MS;
/** Share of records created in the same millisecond as the previous one: the id tie-break matters. */
const TIE_PROBABILITY = 0.08;

const INVOICE_STATUSES: readonly InvoiceStatus[] = ['Draft', 'Posted', 'Canceled', 'Error'];
const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['active', 'cancelled', 'expired', 'pending', 'initial'];

export interface OrganisationProfile {
  name: string;
  displayName: string;
  /** Share of the requested record counts this organisation gets. */
  share: number;
  agents: readonly string[];
}

export const ORGANISATION_PROFILES: readonly OrganisationProfile[] = [
  {
    name: 'northwind-media',
    displayName: 'Northwind Media Ltd',
    share: 1,
    agents: [
      'sam.ortiz@northwind-media.example',
      'priya.shah@northwind-media.example',
      'partner-api@northwind-media.example',
    ],
  },
  {
    name: 'harbour-press',
    displayName: 'Harbour Press GmbH',
    share: 0.6,
    agents: ['lena.vogel@harbour-press.example', 'ops@harbour-press.example'],
  },
  {
    // An organisation with no records at all: empty pages are a case a facade must handle.
    name: 'quiet-lane',
    displayName: 'Quiet Lane Books',
    share: 0,
    agents: ['owner@quiet-lane.example'],
  },
];

export interface RecordCounts {
  customers: number;
  invoices: number;
  subscriptions: number;
}

export interface OrganisationData {
  profile: OrganisationProfile;
  customers: RecordTable<SandboxCustomer>;
  invoices: RecordTable<SandboxInvoice>;
  subscriptions: RecordTable<SandboxSubscription>;
}

const KIND_SEED = { customers: 1, invoices: 2, subscriptions: 3 } as const;
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_HEX = '0123456789abcdef';

export function countsFor(profile: OrganisationProfile, counts: RecordCounts): RecordCounts {
  return {
    customers: shareOf(counts.customers, profile.share),
    invoices: shareOf(counts.invoices, profile.share),
    subscriptions: shareOf(counts.subscriptions, profile.share),
  };
}

/** A share of a count that keeps a non-zero count non-zero, so small sandboxes stay consistent. */
function shareOf(count: number, share: number): number {
  if (share === 0 || count === 0) return 0;
  return Math.max(1, Math.floor(count * share));
}

export function generateOrganisations(seed: number, counts: RecordCounts): OrganisationData[] {
  return ORGANISATION_PROFILES.map((profile, index) =>
    generateOrganisation(seed, index, profile, countsFor(profile, counts)),
  );
}

function generateOrganisation(
  seed: number,
  orgIndex: number,
  profile: OrganisationProfile,
  counts: RecordCounts,
): OrganisationData {
  if (counts.customers === 0 && (counts.invoices > 0 || counts.subscriptions > 0)) {
    throw new RangeError(
      `Organisation ${profile.name} would have invoices or subscriptions but no customer to own them: give it at least one customer`,
    );
  }
  const keysOf = (kind: keyof typeof KIND_SEED, count: number, prefix: string, alphabet: string, length: number) =>
    keyColumns(createRandom(mixSeed(seed, orgIndex, KIND_SEED[kind], -1)), count, prefix, alphabet, length);
  const recordRandom = (kind: keyof typeof KIND_SEED, index: number) =>
    createRandom(mixSeed(seed, orgIndex, KIND_SEED[kind], index));

  const customerKeys = keysOf('customers', counts.customers, 'cus-', LOWER_ALPHANUMERIC, 20);
  const customers = new RecordTable(customerKeys.ids, customerKeys.times, (index) =>
    buildCustomer(recordRandom('customers', index), customerKeys.ids.at(index), customerKeys.times[index] ?? 0),
  );
  const owners = new CustomerPicker(customers, customerKeys.times);

  const invoiceKeys = keysOf('invoices', counts.invoices, '', LOWER_HEX, 32);
  const firstInvoiceNumber = 1_000 + orgIndex * 10_000_000;
  const invoices = new RecordTable(invoiceKeys.ids, invoiceKeys.times, (index) =>
    buildInvoice(recordRandom('invoices', index), {
      id: invoiceKeys.ids.at(index),
      time: invoiceKeys.times[index] ?? 0,
      index,
      invoiceNumber: firstInvoiceNumber + counts.invoices - index,
      owners,
    }),
  );

  const subscriptionKeys = keysOf('subscriptions', counts.subscriptions, 'sub-', LOWER_ALPHANUMERIC, 20);
  const subscriptions = new RecordTable(subscriptionKeys.ids, subscriptionKeys.times, (index) =>
    buildSubscription(recordRandom('subscriptions', index), {
      id: subscriptionKeys.ids.at(index),
      time: subscriptionKeys.times[index] ?? 0,
      index,
      owners,
      profile,
    }),
  );
  return { profile, customers, invoices, subscriptions };
}

interface KeyColumns {
  ids: IdColumn;
  times: Float64Array;
}

/** Ids and creation times, newest first, ties broken by id descending: the order the API serves. */
function keyColumns(random: Random, count: number, prefix: string, alphabet: string, length: number): KeyColumns {
  const averageStep = Math.max(1, Math.floor(HISTORY_MS / Math.max(count, 1)));
  const times = new Float64Array(count);
  let time = NEWEST_RECORD_TIME - Math.floor(random() * averageStep);
  for (let i = 0; i < count; i++) {
    times[i] = time;
    if (random() >= TIE_PROBABILITY) time -= 1 + Math.floor(random() * 2 * averageStep);
  }
  const width = prefix.length + length;
  const bytes = Buffer.allocUnsafe(count * width);
  const chars = keystream(random, count * length);
  const table = alphabetTable(alphabet);
  for (let i = 0, c = 0; i < count; i++) {
    const at = i * width;
    for (let k = 0; k < prefix.length; k++) bytes[at + k] = prefix.charCodeAt(k);
    for (let k = prefix.length; k < width; k++, c++) bytes[at + k] = table[chars[c] ?? 0] ?? 0x30;
  }
  orderTiesByIdDescending(bytes, width, times);
  return { ids: new IdColumn(bytes, width), times };
}

/**
 * Seeded random bytes from an AES-CTR keystream: native, so the millions of id characters
 * of a large sandbox cost milliseconds. Deterministic, not secret.
 */
function keystream(random: Random, length: number): Buffer {
  const seed = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) seed.writeUInt32LE(Math.floor(random() * 4294967296), i * 4);
  return createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16)).update(Buffer.alloc(length));
}

/** Maps a byte to a character of `alphabet` (near-uniform: 256 is not a multiple of 36). */
function alphabetTable(alphabet: string): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, byte) => alphabet.charCodeAt(byte % alphabet.length));
}

/** Within each run of equal times, sorts the packed ids descending (bytewise, as strings compare). */
function orderTiesByIdDescending(bytes: Buffer, width: number, times: Float64Array): void {
  let runStart = 0;
  for (let i = 1; i <= times.length; i++) {
    if (i < times.length && times[i] === times[runStart]) continue;
    if (i - runStart > 1) {
      const run: Buffer[] = [];
      for (let k = runStart; k < i; k++) run.push(Buffer.from(bytes.subarray(k * width, (k + 1) * width)));
      run.sort((a, b) => Buffer.compare(b, a));
      for (const [j, id] of run.entries()) id.copy(bytes, (runStart + j) * width);
    }
    runStart = i;
  }
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

function isoDate(time: number): string {
  return iso(time).slice(0, 10);
}

/** A later time than `time`, not after the newest record; sometimes the same. */
function laterTime(random: Random, time: number): number {
  if (random() < 0.3) return time;
  return time + Math.floor(random() * (NEWEST_RECORD_TIME - time) * 0.5);
}

const ASCII_NAME = new Map<string, string>(
  [...FIRST_NAMES, ...LAST_NAMES, ...COMPANY_NAMES].map((name) => [name, asciiSlug(name)]),
);

function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function slugOf(name: string): string {
  return ASCII_NAME.get(name) ?? asciiSlug(name);
}

function buildCustomer(random: Random, id: string, time: number): SandboxCustomer {
  const country = pickWeighted(random, COUNTRIES);
  const firstName = pick(random, FIRST_NAMES);
  const lastName = pick(random, LAST_NAMES);
  const company = random() < 0.2 ? pick(random, COMPANY_NAMES) : null;
  const number = randomInt(random, 1, 999);
  const domain = company === null ? country.emailDomain : `${slugOf(company)}.example`;
  const tags = new Set<string>();
  for (let t = randomInt(random, 0, 2); t > 0; t--) tags.add(pick(random, CUSTOMER_TAGS));
  return {
    id,
    name: company ?? `${firstName} ${lastName}`,
    first_name: firstName,
    last_name: lastName,
    email: `${slugOf(firstName)}.${slugOf(lastName)}${number}@${domain}`,
    created: iso(time),
    updated: iso(laterTime(random, time)),
    company,
    country: country.code,
    phone: `${country.phonePrefix} ${String(randomInt(random, 0, 9999)).padStart(4, '0')}`,
    marketing_opt_in: random() < 0.45,
    tags: [...tags],
    billing_account_id: randomHex(random, 32),
  };
}

const COUNTRY_BY_CODE = new Map<string, Country>(COUNTRIES.map(([country]) => [country.code, country]));
const TAX_RATES: Record<string, number> = { GB: 0.2, IE: 0.23, DE: 0.19, FR: 0.2, US: 0, AU: 0.1, JP: 0.1, CA: 0.13 };

/** Picks, for a record created at some time, a customer created no later than it. */
class CustomerPicker {
  constructor(
    private readonly customers: RecordTable<SandboxCustomer>,
    private readonly times: Float64Array,
  ) {}

  pick(random: Random, time: number): SandboxCustomer {
    // times are descending: find the first customer not newer than `time`.
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.times[mid] ?? 0) > time) low = mid + 1;
      else high = mid;
    }
    const first = Math.min(low, this.customers.length - 1);
    return this.customers.at(first + Math.floor(random() * (this.customers.length - first)));
  }
}

function currencyOf(customer: SandboxCustomer): string {
  return COUNTRY_BY_CODE.get(customer.country)?.currency ?? 'GBP';
}

/** Minor units (cents, or whole yen) to the upstream's JSON number: at most two decimals. */
function toAmount(minor: number, currency: string): number {
  return currency === 'JPY' ? minor : minor / 100;
}

function priceMinor(random: Random, currency: string): number {
  return currency === 'JPY' ? pick(random, PRICE_POINTS_YEN) : pick(random, PRICE_POINTS_CENTS);
}

interface InvoiceSlot {
  id: string;
  time: number;
  index: number;
  invoiceNumber: number;
  owners: CustomerPicker;
}

const INVOICE_STATUS_WEIGHTS: readonly (readonly [InvoiceStatus, number])[] = [
  ['Posted', 70],
  ['Draft', 12],
  ['Canceled', 10],
  ['Error', 8],
];

function buildInvoice(random: Random, { id, time, index, invoiceNumber, owners }: InvoiceSlot): SandboxInvoice {
  const customer = owners.pick(random, time);
  const currency = currencyOf(customer);
  // The newest invoices show every status, so even a small sandbox has all of them.
  const status = INVOICE_STATUSES[index] ?? pickWeighted(random, INVOICE_STATUS_WEIGHTS);
  const quantity = random() < 0.85 ? 1 : randomInt(random, 2, 5);
  const amountMinor = random() < 0.02 ? 0 : priceMinor(random, currency) * quantity;
  const taxRate = TAX_RATES[customer.country] ?? 0;
  const taxMinor = Math.round((amountMinor * taxRate) / (1 + taxRate));
  const [paymentTerm, termDays] = pick(random, PAYMENT_TERMS);
  return {
    id,
    invoiceNumber: `INV${String(invoiceNumber).padStart(8, '0')}`,
    accountId: customer.billing_account_id,
    invoiceDate: isoDate(time),
    dueDate: isoDate(time + termDays * DAY_MS),
    amount: toAmount(amountMinor, currency),
    balance: toAmount(balanceMinor(random, status, amountMinor), currency),
    currency,
    status,
    createdDate: iso(time),
    updatedDate: iso(laterTime(random, time)),
    customerId: customer.id,
    taxAmount: toAmount(taxMinor, currency),
    paymentTerm,
  };
}

function balanceMinor(random: Random, status: InvoiceStatus, amountMinor: number): number {
  if (status === 'Canceled') return 0;
  if (status !== 'Posted') return amountMinor;
  const roll = random();
  if (roll < 0.7) return 0;
  if (roll < 0.9) return amountMinor;
  return Math.floor(amountMinor / 2);
}

const SUBSCRIPTION_STATUS_WEIGHTS: readonly (readonly [SubscriptionStatus, number])[] = [
  ['active', 55],
  ['cancelled', 15],
  ['expired', 12],
  ['pending', 10],
  ['initial', 8],
];

const PAYMENT_METHODS = [
  ['card', 6],
  ['direct_debit', 3],
  ['invoice', 1],
] as const;

interface SubscriptionSlot {
  id: string;
  time: number;
  index: number;
  owners: CustomerPicker;
  profile: OrganisationProfile;
}

function buildSubscription(
  random: Random,
  { id, time, index, owners, profile }: SubscriptionSlot,
): SandboxSubscription {
  const customer = owners.pick(random, time);
  const currency = currencyOf(customer);
  const status = SUBSCRIPTION_STATUSES[index] ?? pickWeighted(random, SUBSCRIPTION_STATUS_WEIGHTS);
  const startTime = status === 'pending' || status === 'initial' ? time + randomInt(random, 0, 14) * DAY_MS : time;
  const ended = status === 'cancelled' || status === 'expired';
  return {
    id,
    name: randomAlphanumeric(random, 12, true),
    status,
    start: isoDate(startTime),
    customer: customer.id,
    owner: pick(random, profile.agents),
    record_type: 'subscription',
    created: iso(time),
    updated: iso(laterTime(random, time)),
    mode: 'live',
    data: {
      offer: pick(random, OFFERS),
      term: random() < 0.7 ? 'monthly' : 'annual',
      quantity: random() < 0.9 ? 1 : randomInt(random, 2, 10),
      price: { amount: toAmount(priceMinor(random, currency), currency), currency },
      auto_renew: status === 'active' && random() < 0.8,
      end: ended ? isoDate(startTime + randomInt(random, 30, 700) * DAY_MS) : null,
      payment_method: pickWeighted(random, PAYMENT_METHODS),
    },
  };
}
