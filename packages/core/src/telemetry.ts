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
  sourceRequests: Counter;
  sourceDuration: Histogram;
  registryChanges: Counter;
}

/** A count kept in a plain number on the hot path; the SDK reads it when it collects. */
interface Tally {
  readonly attributes: Attributes;
  count: number;
}

/**
 * Most attribute sets one instrument keeps; beyond it, counts go to one set marked
 * `otel.metric.overflow`, so memory stays bounded whatever names an app verifies. With the
 * overflow set this is the OpenTelemetry SDK's default cardinality limit, 2000.
 */
const MAX_ATTRIBUTE_SETS = 1999;
const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/**
 * The instruments of SPEC §8. They are created on first use rather than with the Baton, so an
 * SDK installed after `createBaton` (but before the first read or verification) still
 * receives everything. The counters of the hot paths (`baton.verify`, `baton.cache.lookups`,
 * and `baton.audit.dropped`, hot when a sink falls behind) count into plain numbers, one per
 * attribute set, and reach the SDK through observable counters when it collects: a
 * verification or cached read costs an increment, not the SDK's per-call attribute hashing.
 * Attributes carry names and refs, never values.
 */
export class Telemetry {
  private instruments: Instruments | undefined;
  private tracerInstance: Tracer | undefined;
  private observing = false;
  private readonly attributeSets = new Map<string, Attributes>();
  /** logical → match or reason → tally: two lookups by existing strings, no allocation. */
  private readonly verifyTallies = new Map<string, Map<string, Tally>>();
  private verifyTallyCount = 0;
  private readonly verifyOverflow: Tally = { attributes: OVERFLOW, count: 0 };
  private readonly cacheTallies: Readonly<Record<CacheResult, Tally>> = {
    hit: { attributes: Object.freeze({ 'baton.cache.result': 'hit' }), count: 0 },
    miss: { attributes: Object.freeze({ 'baton.cache.result': 'miss' }), count: 0 },
    stale: { attributes: Object.freeze({ 'baton.cache.result': 'stale' }), count: 0 },
  };
  private readonly droppedTallies: Readonly<Record<'overflow' | 'sink_error', Tally>> = {
    overflow: { attributes: Object.freeze({ 'baton.reason': 'overflow' }), count: 0 },
    sink_error: { attributes: Object.freeze({ 'baton.reason': 'sink_error' }), count: 0 },
  };

  constructor(private readonly options: TelemetryOptions = {}) {}

  /** `detail` is the match on accept and the reason on reject; the two sets never overlap. */
  recordVerify(logical: string, outcome: VerifyOutcome, detail: string): void {
    const tally =
      this.verifyTallies.get(logical)?.get(detail) ?? this.verifyTally(logical, outcome, detail);
    tally.count++;
    if (!this.observing) this.observe();
  }

  recordCacheLookup(result: CacheResult): void {
    this.cacheTallies[result].count++;
    if (!this.observing) this.observe();
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

  /** Counted like the hot paths: a sink that falls behind drops events by the thousand. */
  recordAuditDropped(reason: 'overflow' | 'sink_error', count: number): void {
    this.droppedTallies[reason].count += count;
    if (!this.observing) this.observe();
  }

  private verifyTally(logical: string, outcome: VerifyOutcome, detail: string): Tally {
    if (this.verifyTallyCount >= MAX_ATTRIBUTE_SETS) return this.verifyOverflow;
    let byDetail = this.verifyTallies.get(logical);
    if (byDetail === undefined) {
      byDetail = new Map();
      this.verifyTallies.set(logical, byDetail);
    }
    const tally: Tally = {
      attributes: Object.freeze(
        outcome === 'accept'
          ? { 'baton.logical': logical, 'baton.outcome': outcome, 'baton.match': detail }
          : { 'baton.logical': logical, 'baton.outcome': outcome, 'baton.reason': detail },
      ),
      count: 0,
    };
    byDetail.set(detail, tally);
    this.verifyTallyCount++;
    return tally;
  }

  /** Registers the observable counters that report the tallies when the SDK collects. */
  private observe(): void {
    this.observing = true;
    const meter = this.meter();
    meter
      .createObservableCounter('baton.verify', {
        description: 'Verifications of presented refs, by outcome',
      })
      .addCallback((result) => {
        for (const byDetail of this.verifyTallies.values()) {
          for (const tally of byDetail.values()) result.observe(tally.count, tally.attributes);
        }
        if (this.verifyOverflow.count > 0) {
          result.observe(this.verifyOverflow.count, this.verifyOverflow.attributes);
        }
      });
    const observeFixed = (name: string, description: string, tallies: Record<string, Tally>) =>
      meter.createObservableCounter(name, { description }).addCallback((result) => {
        for (const tally of Object.values(tallies)) {
          if (tally.count > 0) result.observe(tally.count, tally.attributes);
        }
      });
    observeFixed('baton.cache.lookups', 'Secret cache lookups, by result', this.cacheTallies);
    observeFixed(
      'baton.audit.dropped',
      'Audit events not delivered (buffer full or sink failure)',
      this.droppedTallies,
    );
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
      if (this.attributeSets.size >= MAX_ATTRIBUTE_SETS) return OVERFLOW;
      frozen = Object.freeze(attributes);
      this.attributeSets.set(key, frozen);
    }
    return frozen;
  }

  private get(): Instruments {
    return this.instruments ?? this.create();
  }

  private meter() {
    return (this.options.meterProvider ?? metrics.getMeterProvider()).getMeter(
      INSTRUMENTATION_NAME,
    );
  }

  private create(): Instruments {
    const meter = this.meter();
    this.instruments = {
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
    };
    return this.instruments;
  }
}
