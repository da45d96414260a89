import type { AuditEvent } from '@baton/core';

/** Collects audit events delivered to a function sink. */
export function auditCollector(): { sink: (event: AuditEvent) => void; events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { sink: (event) => events.push(event), events };
}
