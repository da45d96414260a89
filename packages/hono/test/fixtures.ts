import type { AuditEvent, Baton, BatonOptions } from '@baton/core';
import { createBaton, envSource } from '@baton/core';
import { type ManualClock, manualClock } from '@baton/core/testing';
import { auditCollector } from '@baton-tools/test-kit';

export const HOUR = 3_600_000;

/** Secrets as a Worker would hold them in bindings (`WEBHOOK_SECRET:v2` → `WEBHOOK_SECRET_V2`). */
export const BINDINGS = {
  WEBHOOK_SECRET_V1: 'whsec-old-3f9a1c',
  WEBHOOK_SECRET_V2: 'whsec-new-8b2e7d',
  API_KEY_V1: 'api-key-value-51c0',
  OPENAI_KEY_V2: 'sk-openai-value-77aa',
} as const;

export interface Rig {
  baton: Baton;
  clock: ManualClock;
  events: AuditEvent[];
}

/**
 * A Baton over the bindings with WEBHOOK_SECRET rotated from v1 to v2 an hour ago (grace 24 h)
 * and API_KEY at v1; the clock is manual, so grace expiry is a call, not a wait.
 */
export async function rotatedBaton(options: Partial<BatonOptions> = {}): Promise<Rig> {
  const clock = manualClock();
  const audit = auditCollector();
  const baton = createBaton({
    sources: [envSource({ env: BINDINGS })],
    clock,
    audit: audit.sink,
    registry: { graceMs: 24 * HOUR },
    ...options,
  });
  await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
  clock.advance(HOUR);
  await baton.promote('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
  await baton.register('API_KEY', 'API_KEY:v1');
  clock.advance(HOUR);
  await baton.flush();
  audit.events.length = 0;
  return { baton, clock, events: audit.events };
}
