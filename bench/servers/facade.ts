// Child process: the facade exactly as `npm start` builds it (loadConfig + createApp), in front of
// PARTNER_API_URL. The environment comes from the bench.
import type { AddressInfo } from 'node:net';
import { createApp, createAppServer } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { announceReady } from './ipc.ts';

const app = createApp(loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1' }));
const server = createAppServer(app);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  announceReady(
    { origin: `http://127.0.0.1:${port}` },
    {
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await app.close();
      },
    },
  );
});
