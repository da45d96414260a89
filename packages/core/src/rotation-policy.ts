/**
 * How often each kind of secret is rotated, in days (fixed): the database credentials every
 * quarter, API keys and OAuth client secrets monthly, signing and encryption keys twice a year.
 */
export const ROTATION_PERIOD_DAYS = Object.freeze({
  database: 90,
  'api-key': 30,
  jwt: 180,
  'encryption-key': 180,
  oauth: 30,
} as const);

/** The kind of a secret, which sets its default rotation period (fixed names). */
export type SecretType = keyof typeof ROTATION_PERIOD_DAYS;

/** Every secret type, in the order of {@link ROTATION_PERIOD_DAYS}. */
export const SECRET_TYPES: readonly SecretType[] = Object.freeze([
  'database',
  'api-key',
  'jwt',
  'encryption-key',
  'oauth',
]);

/** The longest period a policy accepts: 100 years. Longer is a mistake, not a policy. */
const MAX_PERIOD_DAYS = 36_500;

const DAY_MS = 86_400_000;

/**
 * How a logical secret is rotated, kept in its registry entry so every replica and the
 * `baton` command see the same: its type and, when it differs from the type's, its period.
 */
export interface RotationPolicy {
  readonly type: SecretType;
  /** Whole days between rotations. Default: the type's period ({@link ROTATION_PERIOD_DAYS}). */
  readonly periodDays?: number;
}

/**
 * What is wrong with a rotation policy, or `undefined` when nothing is. Names the field, never
 * quotes what it holds.
 *
 * @example
 * rotationPolicyProblem({ type: 'database', periodDays: 0 }); // 'periodDays must be a whole number of days from 1 to 36500'
 */
export function rotationPolicyProblem(policy: unknown): string | undefined {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    return 'a rotation policy must be an object { type, periodDays? }';
  }
  const { type, periodDays } = policy as { type?: unknown; periodDays?: unknown };
  if (typeof type !== 'string' || !Object.hasOwn(ROTATION_PERIOD_DAYS, type)) {
    return `type must be one of ${SECRET_TYPES.join(', ')}`;
  }
  if (
    periodDays !== undefined &&
    !(
      Number.isInteger(periodDays) &&
      (periodDays as number) >= 1 &&
      (periodDays as number) <= MAX_PERIOD_DAYS
    )
  ) {
    return `periodDays must be a whole number of days from 1 to ${MAX_PERIOD_DAYS}`;
  }
  return undefined;
}

/** The days between rotations under `policy`: its own period, or its type's. */
export function rotationPeriodDays(policy: RotationPolicy): number {
  return policy.periodDays ?? ROTATION_PERIOD_DAYS[policy.type];
}

/** When a ref activated at `activatedAt` is due for rotation under `policy`. */
export function rotationDueAt(policy: RotationPolicy, activatedAt: Date): Date {
  return new Date(activatedAt.getTime() + rotationPeriodDays(policy) * DAY_MS);
}

/** A copy holding only the policy's own fields, so nothing else reaches a store. */
export function copyRotationPolicy(policy: RotationPolicy): RotationPolicy {
  return policy.periodDays === undefined
    ? { type: policy.type }
    : { type: policy.type, periodDays: policy.periodDays };
}

/** Whether two policies say the same (an absent one equals only an absent one). */
export function sameRotationPolicy(
  a: RotationPolicy | undefined,
  b: RotationPolicy | undefined,
): boolean {
  return a?.type === b?.type && a?.periodDays === b?.periodDays;
}
