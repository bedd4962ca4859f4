import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './free-port.ts';

/**
 * A redis-server of the caller's own, on a free port, never persisted: stopping and restarting it
 * (or pausing it) leaves every other Redis on the machine alone.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGTERM, then waits for the exit: connections close and everything stored is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open and nothing answers, as with a hung server. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const stopChild = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  };
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    const running = child;
    process.once('exit', () => running.kill('SIGKILL'));
    await accepting(port);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: stopChild,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    close: stopChild,
  };
}

async function accepting(port: number, withinMs = 10_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not start within ${withinMs} ms`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => done(false));
  });
}
