// Memory of a child process as the kernel sees it, read from /proc (Linux).
import { readFileSync } from 'node:fs';

/** VmHWM (peak resident set) and VmRSS of a process, in bytes; null where /proc cannot say. */
export function residentMemory(pid: number): { peakBytes: number; currentBytes: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    const peakBytes = kb('VmHWM');
    const currentBytes = kb('VmRSS');
    return Number.isFinite(peakBytes) && Number.isFinite(currentBytes) ? { peakBytes, currentBytes } : null;
  } catch {
    return null;
  }
}

/** Samples a process's resident memory every `everyMs` until stopped; returns the highest seen. */
export function sampleResidentMemory(pid: number, everyMs = 10): { stop(): number } {
  let highest = residentMemory(pid)?.currentBytes ?? 0;
  const timer = setInterval(() => {
    highest = Math.max(highest, residentMemory(pid)?.currentBytes ?? 0);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      highest = Math.max(highest, residentMemory(pid)?.currentBytes ?? 0);
      return highest;
    },
  };
}
