// One partner organisation's records as the API sees them: the tables, the
// customer search and the invoice PDFs.
import type { OrganisationData } from './data.ts';
import { renderInvoicePdf } from './pdf.ts';
import { type RecordSequence, RecordView } from './record-table.ts';
import type { SandboxCustomer } from './types.ts';

const SEARCH_CACHE_SIZE = 32;

export class OrganisationStore {
  private searchText: string[] | undefined;
  private readonly searches = new Map<string, RecordSequence<SandboxCustomer>>();

  constructor(
    readonly data: OrganisationData,
    readonly token: string,
  ) {}

  get name(): string {
    return this.data.profile.name;
  }

  /**
   * Customers whose name, email or id contain every word of `filter`, ignoring case
   * and accents ([assumed]: the upstream's matching rules are not documented).
   */
  searchCustomers(filter: string | undefined): RecordSequence<SandboxCustomer> {
    const words = fold(filter ?? '')
      .split(/\s+/)
      .filter((word) => word.length > 0);
    if (words.length === 0) return this.data.customers;
    const key = words.join(' ');
    const cached = this.searches.get(key);
    if (cached !== undefined) return cached;
    const texts = this.customerSearchText();
    const indexes: number[] = [];
    texts.forEach((text, index) => {
      if (words.every((word) => text.includes(word))) indexes.push(index);
    });
    const view = new RecordView(this.data.customers, indexes);
    if (this.searches.size >= SEARCH_CACHE_SIZE) {
      const oldest = this.searches.keys().next();
      if (oldest.done !== true) this.searches.delete(oldest.value);
    }
    this.searches.set(key, view);
    return view;
  }

  private customerSearchText(): string[] {
    this.searchText ??= this.data.customers
      .all()
      .map((customer) =>
        fold(`${customer.name}\n${customer.first_name} ${customer.last_name}\n${customer.email}\n${customer.id}`),
      );
    return this.searchText;
  }

  /** The raw PDF of one of this organisation's invoices, or undefined for any other id. */
  invoicePdf(invoiceId: string, largePdfBytes: number | undefined): Buffer | undefined {
    const { invoices, customers } = this.data;
    const index = invoices.indexOf(invoiceId);
    if (index === undefined) return undefined;
    const invoice = invoices.at(index);
    const customerIndex = customers.indexOf(invoice.customerId);
    return renderInvoicePdf({
      invoice,
      customer: customerIndex === undefined ? undefined : customers.at(customerIndex),
      seller: this.data.profile.displayName,
      ...(largePdfBytes !== undefined && index % 10 === 0 ? { padToBytes: largePdfBytes } : {}),
    });
  }
}

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}
