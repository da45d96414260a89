import type { Baton } from '@baton/core';
import { metrics } from '@opentelemetry/api';
import type { RotationResult } from './rotate.js';

/** The meter's instrumentation scope. */
const METER_NAME = '@baton/rotation';

/**
 * Counts a finished run on `baton.rotation.runs` (attributes `baton.logical`, `baton.status`
 * = `rotated|failed|skipped`, `baton.step` = where it ended), through the Baton's meter
 * provider, or the global one. Names and steps only, never values.
 */
export function recordRun(baton: Baton, result: RotationResult): void {
  const provider = baton.telemetry?.meterProvider ?? metrics.getMeterProvider();
  provider
    .getMeter(METER_NAME)
    .createCounter('baton.rotation.runs', {
      description: 'Rotation runs, by secret, outcome and the step they ended at',
    })
    .add(1, {
      'baton.logical': result.logical,
      'baton.status': result.status,
      'baton.step': result.step ?? 'finish',
    });
}
