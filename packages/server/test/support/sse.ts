/** A test client of `/events`: the events received, as the stream delivers them. */
import type { ServerSentEvent } from '../../src/client/sse-parser.js';
import { readServerSentEvents } from '../../src/client/sse-parser.js';

export interface EventStream {
  readonly status: number;
  readonly events: ServerSentEvent[];
  /** Resolves once `count` events of type `type` have arrived. */
  waitFor(type: string, count?: number, timeoutMs?: number): Promise<ServerSentEvent[]>;
  /** Resolves with the first change event of `path`. */
  waitForChange(path: string, timeoutMs?: number): Promise<ServerSentEvent>;
  close(): void;
}

export async function openEvents(
  url: string,
  token: string,
  lastEventId?: string,
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${url}/events`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
    signal: controller.signal,
  });
  const events: ServerSentEvent[] = [];
  const wakers = new Set<() => void>();
  if (response.ok && response.body !== null) {
    void (async () => {
      try {
        for await (const event of readServerSentEvents(
          response.body as ReadableStream<Uint8Array>,
          controller.signal,
        )) {
          events.push(event);
          for (const wake of wakers) wake();
        }
      } catch {}
    })();
  }
  const waitUntil = <T>(find: () => T | undefined, what: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) {
          wakers.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        wakers.delete(check);
        reject(new Error(`${what} did not arrive; got ${JSON.stringify(events)}`));
      }, timeoutMs);
      wakers.add(check);
      check();
    });
  return {
    status: response.status,
    events,
    waitFor(type, count = 1, timeoutMs = 10_000) {
      return waitUntil(
        () => {
          const found = events.filter((event) => event.event === type);
          return found.length >= count ? found : undefined;
        },
        `${count} ${type} events`,
        timeoutMs,
      );
    },
    waitForChange(path, timeoutMs = 10_000) {
      return waitUntil(
        () =>
          events.find((event) => event.event === 'change' && JSON.parse(event.data).path === path),
        `a change of ${path}`,
        timeoutMs,
      );
    },
    close: () => controller.abort(),
  };
}
