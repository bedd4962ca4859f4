// Child process: the embedded partner API sandbox with the options in BENCH_SANDBOX_OPTIONS (JSON).
import { type SandboxOptions, startSandbox } from '../../src/sandbox/index.ts';
import { announceReady } from './ipc.ts';

const options = JSON.parse(process.env['BENCH_SANDBOX_OPTIONS'] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox({ ...options, port: 0 });
const [organisation, token] = Object.entries(sandbox.tokens)[0] ?? [];
if (organisation === undefined || token === undefined) throw new Error('the sandbox has no organisation');
// Build the first organisation's records now, so that no measured request pays for it.
const first = sandbox.organisations[0];
const invoiceIds = first ? first.invoices.slice(0, 20).map((invoice) => invoice.id) : [];
void first?.customers.length;
void first?.subscriptions.length;
announceReady({ url: sandbox.url, organisation, token, invoiceIds }, { close: () => sandbox.close() });
