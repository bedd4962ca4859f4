// Child process: the facade from source under tsx, as `npm start` builds it (loadConfig +
// createApp), in front of PARTNER_API_URL. The environment comes from the bench. The bench runs
// the build instead (`npm run start:prod`, see children.ts) where a checkout has one; the soak
// still runs this.
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createAppServer } from '../../src/http/server.ts';
import { listenAndAnnounce } from './ipc.ts';

const app = createApp(loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1' }));
const server = createAppServer(app.handle, app.services.config.limits.maxBodyBytes);
listenAndAnnounce(server, () => app.close());
