import { type Baton, ConfigError } from '@baton/core';
import { isSecretPath, isUnderPrefix } from './secret-path.js';
import type { ChangeEvent } from './secret-store.js';

/**
 * Where changes under a path prefix are posted, signed with the `x-baton-*` headers (SPEC §6)
 * by the service's Baton with the current ref of `logical`, so a receiver verifies them with
 * `@baton/express`'s `verifyRef(baton, { logical })` (or any adapter's).
 *
 * @example
 * const target: WebhookTarget = { prefix: 'billing', url: 'https://billing.internal/hooks/secrets', logical: 'SECRETS_WEBHOOK' };
 */
export interface WebhookTarget {
  /** Changes of paths under `prefix/` are posted; `'*'` for every path. */
  readonly prefix: string;
  readonly url: string;
  /** The logical secret in the service's Baton whose current ref signs the posts. */
  readonly logical: string;
}

/** What happened to one delivery: the receiver's 2xx, a refusal (4xx) or attempts used up. */
export type DeliveryOutcome = 'delivered' | 'rejected' | 'failed';

export interface WebhookOptions {
  /** Attempts per delivery. Default 6. */
  attempts: number;
  /** The pause before the second attempt; it doubles each time. Default 500 ms. */
  retryDelayMs: number;
  /** How long one attempt may take. Default 5000 ms. */
  timeoutMs: number;
  onOutcome(
    target: WebhookTarget,
    event: ChangeEvent,
    outcome: DeliveryOutcome,
    attempts: number,
  ): void;
}

/** Statuses worth another attempt: the receiver may answer later. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Checks webhook targets at start-up: each problem named, all at once. */
export function checkWebhookTargets(targets: readonly WebhookTarget[]): void {
  const problems: string[] = [];
  targets.forEach((target, index) => {
    if (target?.prefix !== '*' && !isSecretPath(String(target?.prefix))) {
      problems.push(`webhook #${index}: prefix must be a secret path or '*'`);
    }
    try {
      const url = new URL(target?.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    } catch {
      problems.push(`webhook #${index}: url must be an http(s) URL`);
    }
    if (typeof target?.logical !== 'string' || target.logical === '') {
      problems.push(`webhook #${index}: logical must name the signing secret`);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Posts each change to the targets whose prefix covers its path: the change's position,
 * path, version, actor and time, never a value. Retried with a doubling pause on network
 * errors, timeouts and retryable statuses; signed afresh at each attempt (a new timestamp).
 */
export class Webhooks {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly baton: Baton,
    private readonly targets: readonly WebhookTarget[],
    private readonly options: WebhookOptions,
  ) {}

  /** Starts the deliveries of one change; answers at once. */
  deliver(event: ChangeEvent): void {
    if (this.closed) return;
    for (const target of this.targets) {
      if (target.prefix !== '*' && !isUnderPrefix(event.path, target.prefix)) continue;
      const delivery = this.send(target, event).finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  /** Stops retrying and waits for attempts under way. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pending);
  }

  private async send(target: WebhookTarget, event: ChangeEvent): Promise<void> {
    const body = JSON.stringify({
      id: event.id,
      path: event.path,
      version: event.version,
      actor: event.actor,
      at: event.at.toISOString(),
    });
    let delay = this.options.retryDelayMs;
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      const status = await this.attempt(target, body);
      if (status !== undefined && status >= 200 && status < 300) {
        return this.options.onOutcome(target, event, 'delivered', attempt);
      }
      if (status !== undefined && !RETRYABLE.has(status)) {
        return this.options.onOutcome(target, event, 'rejected', attempt);
      }
      if (attempt === this.options.attempts || this.closed) {
        return this.options.onOutcome(target, event, 'failed', attempt);
      }
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay *= 2;
    }
  }

  /** One POST; the status, or `undefined` when the network or the signing failed. */
  private async attempt(target: WebhookTarget, body: string): Promise<number | undefined> {
    try {
      const headers = await this.baton.sign(target.logical, body);
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.body?.cancel();
      return response.status;
    } catch {
      return undefined;
    }
  }
}
