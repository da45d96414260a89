import type { Attributes } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface RecordedPoint {
  name: string;
  attributes: Attributes;
  value: unknown;
}

/** Real OpenTelemetry SDK providers that keep everything in memory for assertions. */
export function recordingTelemetry() {
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  return {
    options: { meterProvider, tracerProvider },
    spans,
    /** Every data point of every instrument, flattened. */
    async points(): Promise<RecordedPoint[]> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          metric.dataPoints.map((point) => ({
            name: metric.descriptor.name,
            attributes: point.attributes,
            value: point.value,
          })),
        ),
      );
    },
    /** Every metric point and finished span as JSON lines: what a canary searches. */
    async emitted(): Promise<string> {
      const points = (await this.points()).map((point) => JSON.stringify(point));
      const finished = spans.getFinishedSpans().map((span) =>
        JSON.stringify({
          name: span.name,
          attributes: span.attributes,
          status: span.status,
          events: span.events,
        }),
      );
      return [...points, ...finished].join('\n');
    },
    /** Each instrument's data point type and monotonicity, by name. */
    async descriptors(): Promise<Record<string, { type: string; monotonic?: boolean }>> {
      const { resourceMetrics } = await reader.collect();
      const kinds: Record<string, { type: string; monotonic?: boolean }> = {};
      for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
        kinds[metric.descriptor.name] = {
          type: DataPointType[metric.dataPointType],
          ...('isMonotonic' in metric ? { monotonic: metric.isMonotonic } : {}),
        };
      }
      return kinds;
    },
    /** The scope names metrics were recorded under. */
    async scopes(): Promise<string[]> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.map((scope) => scope.scope.name);
    },
  };
}
