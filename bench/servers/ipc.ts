// The child side of the bench's process protocol: report readiness, answer resource
// questions about this process, and leave when asked or when the bench goes away.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchReply, BenchRequest } from '../protocol.ts';

export interface ChildHooks {
  /** Closes what the child started; the process exits after it (so --cpu-prof is written). */
  close(): Promise<void>;
}

export function announceReady(details: Record<string, unknown>, hooks: ChildHooks): void {
  const send = (reply: BenchReply) => process.send?.(reply);
  let leaving = false;
  const leave = () => {
    if (leaving) return;
    leaving = true;
    const force = setTimeout(() => process.exit(0), 5_000);
    force.unref();
    hooks.close().finally(() => process.exit(0));
  };
  process.on('message', (message: BenchRequest) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        id: message.id,
        cpuUs: cpu.user + cpu.system,
        rssBytes: process.memoryUsage.rss(),
        monoUs: Number(process.hrtime.bigint() / 1000n),
      });
    } else if (message.type === 'exit') {
      leave();
    }
  });
  process.on('disconnect', leave);
  send({ type: 'ready', details });
}

/**
 * Listens on an ephemeral loopback port with long keep-alive, then announces the origin. On exit
 * the server stops (dropping idle keep-alive sockets) before `closeRest` closes what it fronts.
 */
export function listenAndAnnounce(server: Server, closeRest: () => Promise<void>): void {
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    announceReady(
      { origin: `http://127.0.0.1:${port}` },
      {
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await closeRest();
        },
      },
    );
  });
}
