import type { ServerResponse } from 'node:http';
import type { ChangeEvents } from './change-events.js';
import { MAX_REPLAY_EVENTS, SSE_HEARTBEAT_MS } from './constants.js';
import type { Caller } from './jwt-auth.js';
import type { ChangeEvent, SecretStore } from './secret-store.js';

/** Bytes queued for a client that does not read; past this it is dropped (it resumes). */
const MAX_BUFFERED_BYTES = 1_048_576;

/** What an event says: never a value. */
export function eventBody(event: ChangeEvent) {
  return {
    path: event.path,
    version: event.version,
    actor: event.actor,
    at: event.at.toISOString(),
  };
}

/**
 * One `/events` connection: replays the changes after `Last-Event-ID` (or tells the client to
 * `reset` when they are too many or unknown), then streams live changes, each once and in
 * order, filtered by what the caller may read. Ends when the token expires, the client
 * lags too far, or the service closes; the client resumes where it was.
 */
export async function streamEvents(options: {
  res: ServerResponse;
  caller: Caller;
  lastEventId: number | undefined;
  events: ChangeEvents;
  store: SecretStore;
  clock: () => number;
  onClose: () => void;
}): Promise<void> {
  const { res, caller, events, store } = options;
  let sent = 0;
  let live = false;
  const queued: ChangeEvent[] = [];
  const write = (text: string) => {
    if (res.writableEnded) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
  };
  const send = (event: ChangeEvent) => {
    if (event.id <= sent) return;
    sent = event.id;
    if (!caller.grants.allows('read', event.path)) return;
    write(`id: ${event.id}\nevent: change\ndata: ${JSON.stringify(eventBody(event))}\n\n`);
  };
  const unsubscribe = events.subscribe((event) => (live ? send(event) : queued.push(event)));
  const heartbeat = setInterval(() => write(': ping\n\n'), SSE_HEARTBEAT_MS);
  heartbeat.unref();
  const expiry = setTimeout(
    () => res.end(),
    Math.min(Math.max(caller.expiresAt - options.clock(), 0), 2_147_483_647),
  );
  expiry.unref();
  res.on('close', () => {
    unsubscribe();
    clearInterval(heartbeat);
    clearTimeout(expiry);
    options.onClose();
  });

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  write('retry: 1000\n\n');
  // Everything up to here has been delivered to this replica's listeners; what comes later
  // arrives through the subscription.
  const upTo = events.position;
  sent = upTo;
  if (options.lastEventId !== undefined) {
    const replay =
      options.lastEventId > upTo
        ? undefined
        : await store.eventsAfter(options.lastEventId, MAX_REPLAY_EVENTS + 1, upTo);
    if (replay === undefined || replay.length > MAX_REPLAY_EVENTS) {
      write(`id: ${upTo}\nevent: reset\ndata: {}\n\n`);
    } else {
      sent = options.lastEventId;
      for (const event of replay) send(event);
      sent = upTo;
    }
  }
  write(`id: ${upTo}\nevent: ready\ndata: {}\n\n`);
  live = true;
  for (const event of queued.splice(0)) send(event);
}
