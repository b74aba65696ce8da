// `whalefall replay --session`: a sync session's timeline.
import { sessionTimeline } from '../commands/sync/sessionTimeline.js';
import type { Runtime } from '../runtime.js';
import { formatEvent } from './eventFormat.js';

/** The session's timeline (its own stream and what it caused elsewhere) in commit order, with instance names. */
export async function replaySession(
  runtime: Pick<Runtime, 'store'>,
  sessionId: string,
  json: boolean,
  out: Pick<NodeJS.WritableStream, 'write'>,
): Promise<number> {
  const timeline = await sessionTimeline(runtime.store, sessionId);
  if (!timeline) {
    process.stderr.write(`sync session ${sessionId} has no events\n`);
    return 1;
  }
  for (const { event, ...instance } of timeline) out.write(formatEvent(event, json, instance) + '\n');
  return 0;
}
