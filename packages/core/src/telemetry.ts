import {
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  type Span,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { INSTRUMENTATION_NAME } from './constants.js';
import { displayRef } from './display-ref.js';
import { describe } from './errors.js';

/** Where metrics and spans go. Default: the global providers of `@opentelemetry/api`. */
export interface TelemetryOptions {
  meterProvider?: MeterProvider;
  tracerProvider?: TracerProvider;
}

export type VerifyOutcome = 'accept' | 'reject';
export type CacheResult = 'hit' | 'miss' | 'stale';
export type SourceOutcome = 'found' | 'absent' | 'error';

interface Instruments {
  verify: Counter;
  cacheLookups: Counter;
  sourceRequests: Counter;
  sourceDuration: Histogram;
  registryChanges: Counter;
  auditDropped: Counter;
}

/**
 * The instruments of SPEC §8. They are created on first use rather than with the Baton, so an
 * SDK installed after `createBaton` (but before the first read or verification) still
 * receives everything. Attribute sets are built once per combination and reused: the hot
 * paths record without allocating. Attributes carry names and refs, never values.
 */
export class Telemetry {
  private instruments: Instruments | undefined;
  private tracerInstance: Tracer | undefined;
  private readonly attributeSets = new Map<string, Attributes>();
  /** logical → match or reason → attributes: two lookups by existing strings, no allocation. */
  private readonly verifyAttributes = new Map<string, Map<string, Attributes>>();

  private readonly cacheAttributes: Readonly<Record<CacheResult, Attributes>> = {
    hit: Object.freeze({ 'baton.cache.result': 'hit' }),
    miss: Object.freeze({ 'baton.cache.result': 'miss' }),
    stale: Object.freeze({ 'baton.cache.result': 'stale' }),
  };

  constructor(private readonly options: TelemetryOptions = {}) {}

  /** `detail` is the match on accept and the reason on reject; the two sets never overlap. */
  recordVerify(logical: string, outcome: VerifyOutcome, detail: string): void {
    let byDetail = this.verifyAttributes.get(logical);
    if (byDetail === undefined) {
      byDetail = new Map();
      this.verifyAttributes.set(logical, byDetail);
    }
    let attributes = byDetail.get(detail);
    if (attributes === undefined) {
      attributes = Object.freeze(
        outcome === 'accept'
          ? { 'baton.logical': logical, 'baton.outcome': outcome, 'baton.match': detail }
          : { 'baton.logical': logical, 'baton.outcome': outcome, 'baton.reason': detail },
      );
      byDetail.set(detail, attributes);
    }
    (this.instruments ?? this.create()).verify.add(1, attributes);
  }

  recordCacheLookup(result: CacheResult): void {
    (this.instruments ?? this.create()).cacheLookups.add(1, this.cacheAttributes[result]);
  }

  recordSourceRequest(source: string, outcome: SourceOutcome, seconds: number): void {
    const instruments = this.get();
    const key = `s\u0000${source}\u0000${outcome}`;
    instruments.sourceRequests.add(
      1,
      this.shared(key, { 'baton.source': source, 'baton.outcome': outcome }),
    );
    instruments.sourceDuration.record(
      seconds,
      this.shared(`d\u0000${source}`, { 'baton.source': source }),
    );
  }

  recordRegistryChange(change: string, logical: string): void {
    this.get().registryChanges.add(
      1,
      this.shared(`r\u0000${change}\u0000${logical}`, {
        'baton.change': change,
        'baton.logical': logical,
      }),
    );
  }

  recordAuditDropped(reason: 'overflow' | 'sink_error', count: number): void {
    this.get().auditDropped.add(count, this.shared(`a\u0000${reason}`, { 'baton.reason': reason }));
  }

  /** Starts the `baton.fetch` span around one source call. */
  startFetchSpan(source: string, refs: string | readonly string[]): Span {
    this.tracerInstance ??= (this.options.tracerProvider ?? trace.getTracerProvider()).getTracer(
      INSTRUMENTATION_NAME,
    );
    return this.tracerInstance.startSpan('baton.fetch', {
      attributes:
        typeof refs === 'string'
          ? { 'baton.source': source, 'baton.ref': displayRef(refs) }
          : { 'baton.source': source, 'baton.refs': refs.length },
    });
  }

  /** Ends a fetch span, naming (never quoting) an error. */
  endFetchSpan(span: Span, outcome: SourceOutcome, error?: unknown): void {
    span.setAttribute('baton.outcome', outcome);
    if (error !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: describe(error) });
    }
    span.end();
  }

  private shared(key: string, attributes: Attributes): Attributes {
    let frozen = this.attributeSets.get(key);
    if (frozen === undefined) {
      frozen = Object.freeze(attributes);
      this.attributeSets.set(key, frozen);
    }
    return frozen;
  }

  private get(): Instruments {
    return this.instruments ?? this.create();
  }

  private create(): Instruments {
    const meter = (this.options.meterProvider ?? metrics.getMeterProvider()).getMeter(
      INSTRUMENTATION_NAME,
    );
    this.instruments = {
      verify: meter.createCounter('baton.verify', {
        description: 'Verifications of presented refs, by outcome',
      }),
      cacheLookups: meter.createCounter('baton.cache.lookups', {
        description: 'Secret cache lookups, by result',
      }),
      sourceRequests: meter.createCounter('baton.source.requests', {
        description: 'Calls to secret sources, by source and outcome',
      }),
      sourceDuration: meter.createHistogram('baton.source.duration', {
        description: 'Duration of calls to secret sources',
        unit: 's',
      }),
      registryChanges: meter.createCounter('baton.registry.changes', {
        description: 'Changes to the rotation registry, by kind',
      }),
      auditDropped: meter.createCounter('baton.audit.dropped', {
        description: 'Audit events not delivered (buffer full or sink failure)',
      }),
    };
    return this.instruments;
  }
}
