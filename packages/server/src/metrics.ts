import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuthFailureReason } from './jwt-auth.js';
import type { DeliveryOutcome } from './webhooks.js';

/**
 * The service's Prometheus metrics, in a registry of its own (never prom-client's global
 * one, so two services in a process, or an app's own metrics, do not collide). Labels are
 * route templates, statuses and reasons: never a path, a subject or a value.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'baton_api_requests_total',
    help: 'HTTP requests answered, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'baton_api_request_duration_seconds',
    help: 'Time to answer a request, by route template and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly conflicts = new Counter({
    name: 'baton_api_cas_conflicts_total',
    help: 'Check-and-set writes refused because the path was at another version.',
    registers: [this.registry],
  });
  private readonly authFailures = new Counter({
    name: 'baton_api_auth_failures_total',
    help: 'Requests refused by authentication (401/503) or scope (403), by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly validationFailures = new Counter({
    name: 'baton_api_validation_failures_total',
    help: 'Writes refused with 422, by rule name.',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: 'baton_api_webhook_deliveries_total',
    help: 'Webhook deliveries, by outcome (delivered, rejected, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly streams = new Gauge({
    name: 'baton_api_event_streams',
    help: 'Open /events connections.',
    registers: [this.registry],
  });

  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.duration.observe({ route, method }, seconds);
  }

  conflict(): void {
    this.conflicts.inc();
  }

  authFailure(reason: AuthFailureReason | 'insufficient_scope'): void {
    this.authFailures.inc({ reason });
  }

  validationFailure(rule: string): void {
    this.validationFailures.inc({ rule });
  }

  webhook(outcome: DeliveryOutcome): void {
    this.webhooks.inc({ outcome });
  }

  streamOpened(): void {
    this.streams.inc();
  }

  streamClosed(): void {
    this.streams.dec();
  }

  /** The Prometheus text exposition and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
