import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadlineSignal, remainingMs, startDeadline } from '../../src/lib/deadline.ts';

describe('startDeadline', () => {
  it('tells the time left, and aborts with a TimeoutError when it passes', async () => {
    const deadline = startDeadline(30, () => 1_000);
    expect(remainingMs(deadline.signal, 1_010)).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(remainingMs(deadline.signal, 1_010)).toBe(0);
  });

  it('never aborts once cleared, and aborts at once when its owner says so', async () => {
    const cleared = startDeadline(20);
    cleared.clear();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cleared.signal.aborted).toBe(false);
    const left = startDeadline(10_000);
    left.abort();
    expect(left.signal.aborted).toBe(true);
    left.clear();
  });
});

describe('deadlineSignal', () => {
  it('fires after a garbage collection (AbortSignal.any over AbortSignal.timeout does not, on Node 20)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const parent = new AbortController();
    const signal = deadlineSignal(100, parent.signal);
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with its parent', () => {
    const parent = new AbortController();
    const signal = deadlineSignal(10_000, parent.signal);
    parent.abort();
    expect(signal.aborted).toBe(true);
  });
});
