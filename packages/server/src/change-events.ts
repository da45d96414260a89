import { ChangeFeed, quoteIdentifier } from '@baton/registry-postgres/connection';
import type pg from 'pg';
import type { ChangeEvent, SecretStore } from './secret-store.js';

export interface ChangeEventsOptions {
  pool: pg.Pool;
  store: SecretStore;
  /** How long a missing position is waited for before it is skipped (a rolled-back write). */
  gapWaitMs: number;
  /** How often the table is read without a notification, a backstop. */
  pollIntervalMs: number;
  clock: () => number;
  onError(error: unknown): void;
}

type Listener = (event: ChangeEvent) => void;

const BATCH = 1_000;

/**
 * Every committed change, in position order, to every listener of this replica. A
 * notification is only a hint to read the table (anyone may NOTIFY; the payload is never
 * trusted). Positions are drawn when a write commits its head, so a missing position is a
 * write still committing: it is waited for `gapWaitMs`, then skipped (its transaction
 * rolled back), so a later change is never delivered before an earlier one.
 */
export class ChangeEvents {
  private readonly listeners = new Set<Listener>();
  private readonly feed: ChangeFeed;
  private cursor = 0;
  private gapSince: number | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: ChangeEventsOptions) {
    this.feed = new ChangeFeed({
      pool: options.pool,
      listen: `LISTEN ${quoteIdentifier(options.store.channel)}`,
      channel: options.store.channel,
      timeoutMs: 5_000,
      reconnectDelayMs: 500,
      maxReconnectDelayMs: 10_000,
      onNotification: () => this.poll(),
      // After every (re)connection: what was committed while nobody listened.
      onListening: () => this.poll(),
      onError: options.onError,
    });
  }

  /** Starts at the newest change: listeners hear what is committed from now on. */
  async start(): Promise<void> {
    this.cursor = await this.options.store.lastEventId();
    this.feed.start();
    this.schedule(this.options.pollIntervalMs);
  }

  /** The position of the last change delivered to listeners. */
  get position(): number {
    return this.cursor;
  }

  /** Calls `listener` with every change from now on; answers the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Reads the table for changes after the last one delivered (single flight). */
  poll(): Promise<void> {
    if (this.polling !== undefined) {
      this.again = true;
      return this.polling;
    }
    this.polling = this.drain()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.polling = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          void this.poll();
        }
      });
    return this.polling;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
    await this.feed.close();
    await this.polling;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.options.store.eventsAfter(this.cursor, BATCH);
      for (const event of events) {
        if (event.id !== this.cursor + 1 && !this.gapExpired()) {
          this.schedule(this.options.gapWaitMs);
          return;
        }
        this.gapSince = undefined;
        this.cursor = event.id;
        for (const listener of this.listeners) listener(event);
      }
      if (events.length < BATCH) return;
    }
  }

  private gapExpired(): boolean {
    const now = this.options.clock();
    this.gapSince ??= now;
    return now - this.gapSince >= this.options.gapWaitMs;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule(this.options.pollIntervalMs));
    }, ms);
    this.timer.unref();
  }
}
