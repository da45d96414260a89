import type { Notification, Pool } from 'pg';
import { type CheckedOut, checkout } from './checkout.js';
import { withDeadline } from './deadline.js';

export interface ChangeFeedOptions {
  pool: Pool;
  /** The LISTEN statement of the registry's channel. */
  listen: string;
  channel: string;
  timeoutMs: number;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  /** Each notification's payload. */
  onNotification(payload: string): void;
  /** Runs once listening, after every (re)connection: the resync. A failure reconnects. */
  onListening(): Promise<void>;
  /** The connection failed or was lost; the feed reconnects by itself. */
  onError(error: unknown): void;
}

/**
 * One dedicated connection that LISTENs on the registry's channel. When it is lost it
 * reconnects with a doubling pause, and after every connection calls `onListening`, so the
 * changes made while it was away are read (a notification sent to nobody is gone).
 */
export class ChangeFeed {
  private client: CheckedOut | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: ChangeFeedOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.client?.release(true);
    this.client = undefined;
    await this.running;
  }

  private async run(): Promise<void> {
    let delay = this.options.reconnectDelayMs;
    while (!this.closed) {
      try {
        const lost = await this.connect();
        delay = this.options.reconnectDelayMs;
        const error = await lost;
        if (this.closed) return;
        this.options.onError(error ?? new Error('the listening connection ended'));
      } catch (error) {
        if (this.closed) return;
        this.options.onError(error);
      }
      await this.pause(delay);
      delay = Math.min(delay * 2, this.options.maxReconnectDelayMs);
    }
  }

  /** Connects, listens and resyncs; resolves with a promise of the connection's end. */
  private async connect(): Promise<Promise<Error | undefined>> {
    const { pool, timeoutMs } = this.options;
    const checked = await withDeadline(
      checkout(pool),
      timeoutMs,
      () => new Error(`no connection within ${timeoutMs} ms`),
      (late) => late.release(true),
    );
    const { client } = checked;
    let endConnection: (error: Error | undefined) => void = () => undefined;
    const lost = new Promise<Error | undefined>((resolve) => {
      endConnection = resolve;
    });
    client.on('error', (error) => endConnection(error));
    client.on('end', () => endConnection(undefined));
    // Lost before these listeners were attached: the check-out noted it.
    const early = checked.lost();
    if (early !== undefined) endConnection(early);
    client.on('notification', (message: Notification) => {
      if (message.channel === this.options.channel && message.payload !== undefined) {
        this.options.onNotification(message.payload);
      }
    });
    this.client = checked;
    try {
      await withDeadline(
        client.query(this.options.listen),
        timeoutMs,
        () => new Error(`LISTEN got no answer within ${timeoutMs} ms`),
      );
      await this.options.onListening();
    } catch (error) {
      this.drop(checked);
      throw error;
    }
    if (this.closed) {
      this.drop(checked);
      return Promise.resolve(undefined);
    }
    return lost.then((error) => {
      this.drop(checked);
      return error;
    });
  }

  private drop(checked: CheckedOut): void {
    if (this.client !== checked) return;
    this.client = undefined;
    checked.release(true);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
