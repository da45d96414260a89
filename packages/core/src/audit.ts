import { AUDIT_BATCH_SIZE, AUDIT_GATHER_MS, DEFAULT_AUDIT_BUFFER } from './constants.js';
import type { Telemetry } from './telemetry.js';
import { utf8 } from './utf8.js';

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
  | 'inject_reject'
  | 'rotate'
  | 'rotate_failed'
  | 'policy';

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
  /** For a summary of accepts (`auditAccepts: { everyMs }`): how many this event stands for. */
  count?: number;
}

/**
 * An event another package records through a Baton's sinks (`baton.audit(event)`), such as a
 * rotation run's `rotate`; `at` defaults to the Baton's clock.
 */
export type AuditInput = Omit<AuditEvent, 'at'> & { at?: Date };

/**
 * An audit event before delivery, without its time: kept as it is for events that recur
 * (a registry entry's accepts), so emitting one allocates nothing.
 */
export type AuditTemplate = Omit<AuditEvent, 'at'>;

/** An audit event before delivery: its time is kept as a number until a sink needs text. */
export type AuditRecord = AuditTemplate & { atMs: number };

/**
 * A destination for audit events. `write` may be slow (return a promise): Baton buffers.
 * A sink that stores JSON lines may also offer `writeBytes` or `writeLines`: it then receives
 * the events already encoded, one JSON object per line exactly as `JSON.stringify` writes
 * them, which costs a fraction of building and stringifying objects. Baton uses the first of
 * `writeBytes`, `writeLines` and `write` the sink has.
 */
export interface AuditSink {
  write(events: readonly AuditEvent[]): void | Promise<void>;
  /**
   * Receives newline-terminated JSON lines as UTF-8 bytes, the cheapest form for a stream or
   * a file. The chunk is the sink's to keep: Baton never writes to it again.
   */
  writeBytes?(chunk: Uint8Array): void | Promise<void>;
  /** Receives newline-terminated JSON lines as text. */
  writeLines?(chunk: string): void | Promise<void>;
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
   * Receives a chunk of newline-terminated JSON lines as text. Returning a promise applies
   * backpressure. Default: bytes to `process.stdout` where it exists (delivery waits while it
   * holds more than 16 MiB), otherwise `console.warn`.
   */
  write?: (chunk: string) => void | Promise<void>;
  /**
   * Receives the same chunks as UTF-8 bytes instead, which spares encoding text for a stream
   * or a file (`(chunk) => stream.write(chunk)`). The chunk is the callee's to keep.
   * Used when given; `write` is then ignored.
   */
  writeBytes?: (chunk: Uint8Array) => void | Promise<void>;
}

/**
 * Writes each event as one line of JSON, by default to stdout.
 *
 * @example
 * createBaton({ audit: jsonLinesSink({ writeBytes: (chunk) => file.write(chunk) }) });
 */
export function jsonLinesSink(options: JsonLinesSinkOptions = {}): AuditSink {
  const writeBytes =
    options.writeBytes ?? (options.write === undefined ? stdoutBytesWriter() : undefined);
  if (writeBytes !== undefined) {
    return {
      write: (events) => writeBytes(utf8(eventLines(events))),
      writeBytes,
    };
  }
  const write = options.write ?? writeToConsole;
  return { write: (events) => write(eventLines(events)), writeLines: write };
}

function eventLines(events: readonly AuditEvent[]): string {
  let chunk = '';
  for (const event of events) chunk += `${JSON.stringify(event)}\n`;
  return chunk;
}

interface Stdout {
  write(chunk: Uint8Array, written: () => void): boolean;
  readonly writableLength: number;
}

/** Bytes stdout may hold for a reader that is momentarily behind before delivery waits: 16 MiB. */
const STDOUT_SLACK = 16 * 1_048_576;

/**
 * Writes to stdout with backpressure, where there is a stdout: a write is done once the
 * stream holds it, unless the stream then holds more than 16 MiB its reader has not taken;
 * delivery then waits until it holds less again (not until it is empty, which would hold up
 * the next events for as long as the whole backlog takes). A reader that keeps up, even with
 * pauses, loses nothing; a slow one delays delivery, never the caller. Bytes, not text: a
 * string waiting in the stream's buffer lives on the JavaScript heap, where every
 * young-generation collection copies it; bytes live outside it.
 */
function stdoutBytesWriter(): ((chunk: Uint8Array) => void | Promise<void>) | undefined {
  const stdout = (globalThis as { process?: { stdout?: Stdout } }).process?.stdout;
  if (stdout === undefined) return undefined;
  let waiting: Array<() => void> = [];
  // Runs as each chunk has left the stream's buffer.
  const written = () => {
    if (waiting.length === 0 || stdout.writableLength > STDOUT_SLACK) return;
    const resume = waiting;
    waiting = [];
    for (const resolve of resume) resolve();
  };
  return (chunk) => {
    const flushed = () => {
      giveBack(chunk);
      written();
    };
    if (stdout.write(chunk, flushed) || stdout.writableLength <= STDOUT_SLACK) return;
    return new Promise((resolve) => waiting.push(resolve));
  };
}

/** workerd and browsers: the console is the log stream. */
function writeToConsole(chunk: string): void {
  console.warn(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk);
}

/** What `auditAccepts` holds after defaults: each accept, or a summary per window. */
export type AcceptAudit = 'each' | { readonly everyMs: number };

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
    for (const channel of this.channels) channel.push(record, record.atMs);
  }

  /** Queues a recurring event, kept as it is, at a time. Allocates nothing. */
  emitTemplate(template: AuditTemplate, atMs: number): void {
    for (const channel of this.channels) channel.push(template, atMs);
  }

  /** Resolves once every event emitted so far has been handed to its sinks. */
  async flush(): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.flush()));
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.close()));
  }
}

/** The longest a drain writes before letting the event loop run. */
const DRAIN_SLICE_MS = 2;

/** A clock for durations only. */
function elapsedMs(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** Lets the event loop run: after I/O callbacks where the runtime offers it (Node, Bun). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown })
    .setImmediate;
  return new Promise((resolve) =>
    immediate === undefined ? setTimeout(resolve, 0) : immediate(resolve),
  );
}

class SinkChannel {
  /** New events and their times, side by side: a queued recurring event costs two slots. */
  private templates: AuditTemplate[] = [];
  private times: number[] = [];
  /** Events taken by the drain, delivered from `offset` on. */
  private takenTemplates: AuditTemplate[] = [];
  private takenTimes: number[] = [];
  private offset = 0;
  /** A turn of the event loop will start the drain. */
  private scheduled = false;
  /** A timer will start the drain, gathering what comes meanwhile into one write. */
  private gathering = false;
  private draining: Promise<void> | undefined;
  /** A write the sink has not finished: only then is the sink slow and the bound applies. */
  private unfinished: Promise<void> | undefined;
  private warned = false;
  /** How the sink takes events: the first of `writeBytes`, `writeLines` and `write` it has. */
  private readonly takes: 'bytes' | 'lines' | 'events';

  constructor(
    private readonly sink: AuditSink,
    private readonly telemetry: Telemetry,
    private readonly bound: number,
  ) {
    this.takes =
      typeof sink.writeBytes === 'function'
        ? 'bytes'
        : typeof sink.writeLines === 'function'
          ? 'lines'
          : 'events';
  }

  push(template: AuditTemplate, atMs: number): void {
    if (this.templates.length >= this.bound) {
      // A sink that keeps up takes the backlog now; only one still busy with a write loses events.
      if (this.unfinished !== undefined) {
        this.telemetry.recordAuditDropped('overflow', 1);
        return;
      }
      this.deliverNow();
    }
    this.templates.push(template);
    this.times.push(atMs);
    this.schedule();
  }

  /** Arranges for a drain to take what is queued, unless one is running or arranged. */
  private schedule(): void {
    if (this.draining !== undefined || this.scheduled || this.templates.length === 0) return;
    if (this.templates.length >= AUDIT_BATCH_SIZE) {
      // A burst: a batch is ready, deliver after this turn.
      this.scheduled = true;
      void yieldToEventLoop().then(this.startDrain);
    } else if (!this.gathering) {
      // A trickle (a server's requests): one write a millisecond rather than one a turn.
      this.gathering = true;
      setTimeout(this.gathered, AUDIT_GATHER_MS);
    }
  }

  private readonly gathered = (): void => {
    this.gathering = false;
    void this.startDrain();
  };

  async flush(): Promise<void> {
    while (this.pending() > 0 || this.draining !== undefined || this.unfinished !== undefined) {
      await (this.draining ?? this.unfinished ?? this.startDrain());
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

  private pending(): number {
    return this.templates.length + this.takenTemplates.length - this.offset;
  }

  private readonly startDrain = (): Promise<void> => {
    this.scheduled = false;
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // Events queued after the drain's last look, before this ran.
      this.schedule();
    });
    return this.draining;
  };

  /**
   * Hands queued events to the sink a batch at a time, in order, for at most a couple of
   * milliseconds before letting the event loop run, so a burst never stalls requests while
   * the drain keeps pace with any rate of events the process can produce. Never rejects: a
   * failure is counted and reported.
   */
  private async drain(): Promise<void> {
    let sliceStarted = elapsedMs();
    for (;;) {
      if (this.offset >= this.takenTemplates.length) {
        if (this.templates.length === 0) return;
        this.takenTemplates = this.templates;
        this.takenTimes = this.times;
        this.templates = [];
        this.times = [];
        this.offset = 0;
      }
      const end = Math.min(this.offset + AUDIT_BATCH_SIZE, this.takenTemplates.length);
      const templates = this.takenTemplates.slice(this.offset, end);
      const times = this.takenTimes.slice(this.offset, end);
      this.offset = end;
      const unfinished = this.write(templates, times);
      if (unfinished !== undefined) {
        await unfinished;
        sliceStarted = elapsedMs();
      } else if (elapsedMs() - sliceStarted >= DRAIN_SLICE_MS) {
        await yieldToEventLoop();
        sliceStarted = elapsedMs();
      }
    }
  }

  /**
   * Delivers everything not yet written, in one write and in order, when the queue reaches its
   * bound while the sink is free: a burst the drain has not caught up with yet is not lost.
   */
  private deliverNow(): void {
    const templates = this.takenTemplates.slice(this.offset).concat(this.templates);
    const times = this.takenTimes.slice(this.offset).concat(this.times);
    this.takenTemplates = [];
    this.takenTimes = [];
    this.offset = 0;
    this.templates = [];
    this.times = [];
    void this.write(templates, times);
  }

  /** Writes events; answers a promise while the sink has not finished with them. */
  private write(templates: AuditTemplate[], times: number[]): Promise<void> | undefined {
    let written: void | Promise<void>;
    try {
      written =
        this.takes === 'bytes'
          ? (this.sink.writeBytes as (chunk: Uint8Array) => void | Promise<void>)(
              encodeBytes(templates, times),
            )
          : this.takes === 'lines'
            ? (this.sink.writeLines as (chunk: string) => void | Promise<void>)(
                encodeLines(templates, times),
              )
            : this.sink.write(
                templates.map((template, index) => materialize(template, times[index] as number)),
              );
    } catch (error) {
      this.failed(error, templates.length);
      return undefined;
    }
    if (!(written instanceof Promise)) return undefined;
    const unfinished = written.then(
      () => {
        this.unfinished = undefined;
      },
      (error: unknown) => {
        this.unfinished = undefined;
        this.failed(error, templates.length);
      },
    );
    this.unfinished = unfinished;
    return unfinished;
  }

  private failed(error: unknown, count: number): void {
    this.telemetry.recordAuditDropped(
      'sink_error',
      error instanceof AuditSinkError ? error.failed : count,
    );
    this.report(error);
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

let lastMs: number | undefined;
let lastIso = '';

/** ISO-8601 text of a time, shared by consecutive events of one millisecond. */
function isoAt(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    // A time outside the Date range (a broken clock) reads as the epoch rather than throwing.
    lastIso = new Date(Math.abs(ms) <= 8.64e15 ? ms : 0).toISOString();
  }
  return lastIso;
}

/**
 * Builds the delivered event (`type`, `logical`, `at` first, unset fields left out). Each
 * field is copied by name, which keeps the objects' shapes few and the copy fast.
 */
function materialize(record: AuditTemplate, atMs: number): AuditEvent {
  const event: AuditEvent = { type: record.type, logical: record.logical, at: isoAt(atMs) };
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
  if (record.count !== undefined) event.count = record.count;
  return event;
}

/** The JSON text of a recurring event around its time: `head` + ISO time + `tail`. */
interface LineParts {
  readonly head: string;
  readonly tail: string;
}

/** Encodings of recurring (frozen) events, made once per template. */
const encodings = new WeakMap<AuditTemplate, LineParts>();

/**
 * Encodes events as JSON lines without building objects or a general `JSON.stringify` per
 * event: a recurring event's text around its time is made once and the time spliced in;
 * any other event is written field by field. The text is exactly what
 * `JSON.stringify(materialize(…))` writes.
 */
function encodeLines(templates: readonly AuditTemplate[], times: readonly number[]): string {
  let chunk = '';
  for (let index = 0; index < templates.length; index++) {
    const parts = partsOf(templates[index] as AuditTemplate);
    chunk += `${parts.head}${isoAt(times[index] as number)}${parts.tail}\n`;
  }
  return chunk;
}

/**
 * A recurring event's line as UTF-8 bytes, newline included, with the time of the last event
 * it was written for in place at `timeAt`: events of one template and one millisecond are
 * copied as they are, and a new millisecond rewrites only the time.
 */
interface LineBytes {
  readonly bytes: Uint8Array;
  readonly timeAt: number;
  ms: number;
}

const lineBytesOf = new WeakMap<AuditTemplate, LineBytes>();

/** The length of `toISOString()` for years 0 to 9999; other years are written as text. */
const ISO_LENGTH = 24;

/** Bytes are written into slabs of this size, a batch after the other. */
const SLAB_SIZE = 1_048_576;

/**
 * Encoded lines: each chunk is a view of a slab, handed out in order and never rewritten
 * while a sink may hold it. A sink that gives its chunks back once written (stdout's writer)
 * lets a slab be used again, since fresh memory costs a page fault every 4 KiB; a chunk not
 * given back keeps its slab from reuse, so a sink may keep what it is given.
 */
interface Slab {
  readonly bytes: Uint8Array;
  used: number;
  /** Chunks handed out and not given back. */
  held: number;
}

/** The slab being written; made on first use (core does no work at import time). */
let slab: Slab | undefined;
const slabOwning = new WeakMap<ArrayBufferLike, Slab>();
const spareSlabs: Slab[] = [];
const SPARE_SLABS = 4;

/** A slab to write into: a spare one, or a new one of at least `size` bytes. */
function nextSlab(size: number): Slab {
  const spare = spareSlabs.at(-1);
  if (spare !== undefined && spare.bytes.length >= size) {
    spareSlabs.pop();
    spare.used = 0;
    return spare;
  }
  const fresh: Slab = { bytes: new Uint8Array(Math.max(SLAB_SIZE, size)), used: 0, held: 0 };
  slabOwning.set(fresh.bytes.buffer, fresh);
  return fresh;
}

/** Takes back a chunk its sink has finished with; its slab is reused once all have come back. */
function giveBack(chunk: Uint8Array): void {
  const owner = slabOwning.get(chunk.buffer);
  if (owner === undefined) return;
  owner.held--;
  if (owner.held === 0 && owner !== slab && spareSlabs.length < SPARE_SLABS) {
    spareSlabs.push(owner);
  }
}

/**
 * Encodes events as JSON lines in UTF-8, as `encodeLines` writes them as text, copying each
 * recurring event's bytes instead of building and encoding a string.
 */
function encodeBytes(templates: readonly AuditTemplate[], times: readonly number[]): Uint8Array {
  slab ??= nextSlab(0);
  // The slab in locals for the loop; written back once.
  let target = slab.bytes;
  let used = slab.used;
  let start = used;
  for (let index = 0; index < templates.length; index++) {
    const template = templates[index] as AuditTemplate;
    const ms = times[index] as number;
    let line = lineBytesOf.get(template);
    if (line === undefined) {
      line = lineBytes(template);
      if (Object.isFrozen(template)) lineBytesOf.set(template, line);
    }
    let bytes = line.bytes;
    if (line.ms !== ms) {
      const iso = isoAt(ms);
      if (iso.length === ISO_LENGTH) {
        for (let at = 0; at < ISO_LENGTH; at++) bytes[line.timeAt + at] = iso.charCodeAt(at);
        line.ms = ms;
      } else {
        const parts = partsOf(template);
        bytes = utf8(`${parts.head}${iso}${parts.tail}\n`);
      }
    }
    if (used + bytes.length > target.length) {
      // Carry this batch's bytes so far into the next slab: the chunk is one contiguous view.
      const next = nextSlab(2 * (used - start + bytes.length));
      next.bytes.set(target.subarray(start, used));
      slab.used = used;
      if (slab.held === 0 && spareSlabs.length < SPARE_SLABS) spareSlabs.push(slab);
      used -= start;
      start = 0;
      slab = next;
      target = next.bytes;
    }
    target.set(bytes, used);
    used += bytes.length;
  }
  slab.used = used;
  slab.held++;
  return target.subarray(start, used);
}

/** A template's line in bytes, its time still to be written (`ms` is `NaN`). */
function lineBytes(template: AuditTemplate): LineBytes {
  const parts = partsOf(template);
  const head = utf8(parts.head);
  const rest = utf8(`${parts.tail}\n`);
  const bytes = new Uint8Array(head.length + ISO_LENGTH + rest.length);
  bytes.set(head);
  bytes.set(rest, head.length + ISO_LENGTH);
  return { bytes, timeAt: head.length, ms: Number.NaN };
}

/** A template's text around its time, kept for a recurring (frozen) one. */
function partsOf(template: AuditTemplate): LineParts {
  let parts = encodings.get(template);
  if (parts === undefined) {
    parts = lineParts(template);
    if (Object.isFrozen(template)) encodings.set(template, parts);
  }
  return parts;
}

function lineParts(event: AuditTemplate): LineParts {
  let tail = '"';
  if (event.ref !== undefined) tail += `,"ref":${text(event.ref)}`;
  if (event.previousRef !== undefined) tail += `,"previousRef":${text(event.previousRef)}`;
  if (event.presentedRef !== undefined) tail += `,"presentedRef":${text(event.presentedRef)}`;
  if (event.presentedLength !== undefined) {
    tail += `,"presentedLength":${JSON.stringify(event.presentedLength)}`;
  }
  if (event.match !== undefined) tail += `,"match":${text(event.match)}`;
  if (event.reason !== undefined) tail += `,"reason":${text(event.reason)}`;
  if (event.actor !== undefined) tail += `,"actor":${text(event.actor)}`;
  if (event.revision !== undefined) tail += `,"revision":${JSON.stringify(event.revision)}`;
  if (event.source !== undefined) tail += `,"source":${text(event.source)}`;
  if (event.error !== undefined) tail += `,"error":${text(event.error)}`;
  if (event.count !== undefined) tail += `,"count":${JSON.stringify(event.count)}`;
  return {
    head: `{"type":${text(event.type)},"logical":${text(event.logical)},"at":"`,
    tail: `${tail}}`,
  };
}

/** Characters JSON never escapes in a string: refs, names, reasons and codes are made of them. */
const PLAIN = /^[\w :.()<>/@+-]*$/;

/** A JSON string literal: quoted directly when nothing needs escaping. */
function text(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}
