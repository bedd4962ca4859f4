// The child side of the bench's process protocol: report readiness, answer resource
// questions about this process, and leave when asked or when the bench goes away.
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
      send({ type: 'stats', id: message.id, cpuUs: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss(), monoUs: Number(process.hrtime.bigint() / 1000n) });
    } else if (message.type === 'exit') {
      leave();
    }
  });
  process.on('disconnect', leave);
  send({ type: 'ready', details });
}
