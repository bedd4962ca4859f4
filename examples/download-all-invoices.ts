// Pages through every invoice with the typed client and downloads each PDF through its pdfUrl.
//
//   PARTNER_GRAPH_URL=http://localhost:4000/graphql PARTNER_GRAPH_TOKEN=… npx tsx examples/download-all-invoices.ts [out-dir]
//
// A frontend repo installs the same client as `@partner-graph/client`. Without out-dir the PDFs are
// checked and counted, not saved.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPartnerGraphClient } from '@partner-graph/client';

const PAGE_SIZE = 50;
const PDF_MAGIC = '%PDF-';

async function main(): Promise<void> {
  const url = process.env.PARTNER_GRAPH_URL;
  const token = process.env.PARTNER_GRAPH_TOKEN;
  const outDir = process.argv[2];
  if (!url || !token) {
    console.error('Set PARTNER_GRAPH_URL (…/graphql) and PARTNER_GRAPH_TOKEN (a partner API bearer token).');
    process.exit(2);
  }
  if (outDir) await mkdir(outDir, { recursive: true });

  const client = createPartnerGraphClient(url, { token });
  let count = 0;
  let bytes = 0;
  for await (const invoice of client.allInvoices(PAGE_SIZE)) {
    const pdf = await downloadPdf(invoice.pdfUrl, invoice.invoiceNumber);
    if (outDir) await writeFile(join(outDir, `${invoice.invoiceNumber}.pdf`), pdf);
    count++;
    bytes += pdf.length;
  }
  console.log(`Downloaded ${count} invoice PDFs (${bytes} bytes)${outDir ? ` to ${outDir}` : ''}.`);
}

/** The link needs no header: it carries a short-lived ticket, not the token. */
async function downloadPdf(pdfUrl: string, invoiceNumber: string): Promise<Buffer> {
  const res = await fetch(pdfUrl);
  if (!res.ok) throw new Error(`${invoiceNumber}: the PDF link answered ${res.status}`);
  const pdf = Buffer.from(await res.arrayBuffer());
  if (pdf.subarray(0, PDF_MAGIC.length).toString('latin1') !== PDF_MAGIC)
    throw new Error(`${invoiceNumber}: not a PDF`);
  return pdf;
}

await main();
