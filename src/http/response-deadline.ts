import type { ServerResponse } from 'node:http';
import { type Deadline, startDeadline } from '../lib/deadline.ts';

/**
 * The deadline of the work behind one response: aborted when the client leaves before the answer
 * is done, or when `ms` pass; its timer goes once the response has closed.
 */
export function responseDeadline(res: ServerResponse, ms: number): Deadline {
  const deadline = startDeadline(ms);
  res.once('close', () => {
    if (res.writableFinished) deadline.clear();
    else deadline.abort();
  });
  return deadline;
}
