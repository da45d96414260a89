import type { FaultKind } from '@baton-tools/emulator-kit';
import { ApiError } from './api-error.js';

/**
 * Faults of this emulator (the kit's): a throttled request is answered `ThrottlingException`
 * (HTTP 400), a failed one `InternalServiceError` (HTTP 500), as Secrets Manager answers them.
 */
export type { Faults } from '@baton-tools/emulator-kit';

/** The Secrets Manager error that answers a fault. */
export function faultError(kind: FaultKind): ApiError {
  if (kind === 'throttle') return new ApiError('ThrottlingException', 'Rate exceeded');
  return new ApiError(
    'InternalServiceError',
    'An error occurred on the server side (injected by the emulator).',
  );
}
