import { AUDIT_BATCH_SIZE, DEFAULT_AUDIT_BUFFER } from './constants.js';
import type { Telemetry } from './telemetry.js';

/** Every kind of audit event (fixed names). */
export type AuditEventType =
  | 'register'
  | 'promote'
  | 'retire'
  | 'retire_blocked'
  | 'grace_expired'
  | 'verify_accept'
  | 'verify_reject'
  | 'secret_read'
  | 'secret_stale_served'
  | 'source_error'
  | 'rotate'
  | 'rotate_failed';

/**
 * One audit event. It names refs, never secret values; a presented ref that does not parse
 * (or names another secret) is described by its length only.
 */
export interface AuditEvent {
  type: AuditEventType;
  /** The logical name (for reads: the ref's name). */
  logical: string;
  /** ISO-8601 time of the event, from the Baton's clock. */
  at: string;
  /** The ref concerned: the accepted, promoted, read or retired one. */
  ref?: string;
  /** For `promote`: the ref that became previous. For `retire`/`grace_expired`: the one dropped. */
  previousRef?: string;
  /** For `verify_reject`: the presented ref, when it parsed and names this logical secret. */
  presentedRef?: string;
  /** For `verify_reject`: the length of a presented value that is not echoed. */
  presentedLength?: number;
  match?: 'current' | 'previous';
  reason?: string;
  actor?: string;
  revision?: number;
  /** For reads and source errors: the source that answered or failed. */
  source?: string;
  /** For `source_error`: the kind of error (its name and code), never its message. */
  error?: string;
}

/**
 * An event another package records through a Baton's sinks (`baton.audit(event)`), such as a
 * rotation run's `rotate`; `at` defaults to the Baton's clock.
 */
export type AuditInput = Omit<AuditEvent, 'at'> & { at?: Date };

/** An audit event before delivery: its time is kept as a number until a sink needs text. */
export type AuditRecord = Omit<AuditEvent, 'at'> & { atMs: number };

/** A destination for audit events. `write` may be slow (return a promise): Baton buffers. */
export interface AuditSink {
  write(events: readonly AuditEvent[]): void | Promise<void>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** What the `audit` option accepts: a function called per event, a sink, several, or `false`. */
export type AuditOption =
  | AuditSink
  | ((event: AuditEvent) => void)
  | ReadonlyArray<AuditSink | ((event: AuditEvent) => void)>
  | false;

export interface JsonLinesSinkOptions {
  /**
   * Receives a chunk of newline-terminated JSON lines. Returning a promise applies
   * backpressure. Default: `process.stdout` where it exists, otherwise `console.log`.
   */
  write?: (chunk: string) => void | Promise<void>;
}

/**
 * Writes each event as one line of JSON, by default to stdout.
 *
 * @example
 * createBaton({ audit: jsonLinesSink({ write: (chunk) => file.write(chunk) }) });
 */
export function jsonLinesSink(options: JsonLinesSinkOptions = {}): AuditSink {
  const write = options.write ?? writeToStdout;
  return {
    write(events) {
      let chunk = '';
      for (const event of events) chunk += `${JSON.stringify(event)}\n`;
      return write(chunk);
    },
  };
}

function writeToStdout(chunk: string): void | Promise<void> {
  const stdout = (
    globalThis as {
      process?: { stdout?: { write(chunk: string, callback: (error?: unknown) => void): boolean } };
    }
  ).process?.stdout;
  if (stdout === undefined) {
    // workerd and browsers: the console is the log stream.
    console.warn(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk);
    return;
  }
  return new Promise((resolve, reject) => {
    stdout.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Buffers audit events and delivers them to every sink off the caller's path. Emission never
 * throws and never waits; each sink has its own bounded queue, so a slow sink delays only
 * itself, and past the bound new events are dropped and counted (`baton.audit.dropped`).
 */
export class AuditLog {
  readonly enabled: boolean;
  private readonly channels: SinkChannel[];

  constructor(
    option: AuditOption | undefined,
    telemetry: Telemetry,
    bufferSize = DEFAULT_AUDIT_BUFFER,
  ) {
    const sinks =
      option === false || option === undefined ? [] : Array.isArray(option) ? option : [option];
    this.channels = sinks.map(
      (sink: AuditSink | ((event: AuditEvent) => void)) =>
        new SinkChannel(
          typeof sink === 'function' ? functionSink(sink) : sink,
          telemetry,
          bufferSize,
        ),
    );
    this.enabled = this.channels.length > 0;
  }

  /** Queues an event for every sink. Never throws, never blocks. */
  emit(record: AuditRecord): void {
    for (const channel of this.channels) channel.push(record);
  }

  /** Resolves once every event emitted so far has been handed to its sinks. */
  async flush(): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.flush()));
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.close()));
  }
}

class SinkChannel {
  private queue: AuditRecord[] = [];
  private scheduled = false;
  private draining: Promise<void> | undefined;
  private warned = false;

  constructor(
    private readonly sink: AuditSink,
    private readonly telemetry: Telemetry,
    private readonly bound: number,
  ) {}

  push(record: AuditRecord): void {
    if (this.queue.length >= this.bound) {
      this.telemetry.recordAuditDropped('overflow', 1);
      return;
    }
    this.queue.push(record);
    if (!this.scheduled && this.draining === undefined) {
      this.scheduled = true;
      setTimeout(this.startDrain, 0);
    }
  }

  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.draining !== undefined) {
      await (this.draining ?? this.startDrain());
    }
    try {
      await this.sink.flush?.();
    } catch (error) {
      this.report(error);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    try {
      await this.sink.close?.();
    } catch (error) {
      this.report(error);
    }
  }

  private readonly startDrain = (): Promise<void> => {
    this.scheduled = false;
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  };

  /** Hands queued events to the sink. Never rejects: a failure is counted and reported. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const records = this.queue;
      this.queue = [];
      for (let start = 0; start < records.length; start += AUDIT_BATCH_SIZE) {
        const slice = records.slice(start, start + AUDIT_BATCH_SIZE);
        try {
          await this.sink.write(slice.map(materialize));
        } catch (error) {
          const lost = error instanceof AuditSinkError ? error.failed : slice.length;
          this.telemetry.recordAuditDropped('sink_error', lost);
          this.report(error);
        }
      }
    }
  }

  private report(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.warn(
      `[baton] an audit sink failed; its events are counted in baton.audit.dropped: ${text}`,
    );
  }
}

/** ISO-8601 text of a time; one outside the Date range (a broken clock) reads as the epoch. */
function isoTime(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : new Date(0).toISOString();
}

function functionSink(fn: (event: AuditEvent) => void): AuditSink {
  return {
    write(events) {
      let failure: unknown;
      let failed = 0;
      for (const event of events) {
        try {
          fn(event);
        } catch (error) {
          failure ??= error;
          failed++;
        }
      }
      if (failed > 0) throw new AuditSinkError(failed, failure);
    },
  };
}

/** Thrown by the function sink wrapper when the function threw for some events of a batch. */
class AuditSinkError extends Error {
  constructor(
    readonly failed: number,
    cause: unknown,
  ) {
    super(`the audit function threw for ${failed} event(s)`, { cause });
    this.name = 'AuditSinkError';
  }
}

let lastMs = -1;
let lastIso = '';

/**
 * Builds the delivered event (`type`, `logical`, `at` first, unset fields left out);
 * consecutive events in one millisecond share the time text. Each field is copied by name,
 * which keeps the objects' shapes few and the copy fast.
 */
function materialize(record: AuditRecord): AuditEvent {
  if (record.atMs !== lastMs) {
    lastMs = record.atMs;
    lastIso = isoTime(record.atMs);
  }
  const event: AuditEvent = { type: record.type, logical: record.logical, at: lastIso };
  if (record.ref !== undefined) event.ref = record.ref;
  if (record.previousRef !== undefined) event.previousRef = record.previousRef;
  if (record.presentedRef !== undefined) event.presentedRef = record.presentedRef;
  if (record.presentedLength !== undefined) event.presentedLength = record.presentedLength;
  if (record.match !== undefined) event.match = record.match;
  if (record.reason !== undefined) event.reason = record.reason;
  if (record.actor !== undefined) event.actor = record.actor;
  if (record.revision !== undefined) event.revision = record.revision;
  if (record.source !== undefined) event.source = record.source;
  if (record.error !== undefined) event.error = record.error;
  return event;
}
