export type { RotationPolicy, SecretType } from '@baton/core';
export { ROTATION_PERIOD_DAYS, SECRET_TYPES } from '@baton/core';
export type { SecretEncoding } from './encoding.js';
export { PendingChangedError, RotationStepError, RotatorError } from './errors.js';
export type { PlannedRotation, PlanOptions } from './plan.js';
export { planRotations } from './plan.js';
export type { PostgresRoleOptions } from './postgres-role.js';
export { postgresRole } from './postgres-role.js';
export type { RandomSecretOptions } from './random-secret.js';
export { randomSecret } from './random-secret.js';
export type {
  RotateOptions,
  RotationProgress,
  RotationResult,
  RotationStatus,
} from './rotate.js';
export { rotate } from './rotate.js';
export type { PendingContext, RotationContext, RotationStep, Rotator } from './rotator.js';
export type { SigningRefOptions } from './signing-ref.js';
export { signingRef } from './signing-ref.js';
