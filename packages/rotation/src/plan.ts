import {
  type Baton,
  ConfigError,
  NoEntryError,
  parseRef,
  SECRET_TYPES,
  type SecretType,
} from '@baton/core';

/** One secret a rotation run would take, with why. */
export interface PlannedRotation {
  readonly logical: string;
  readonly currentRef: string;
  /** The ref a run would make (`NAME:vN+1`); absent when the current ref has no version. */
  readonly nextRef?: string;
  /** The policy's type, when the secret has one. */
  readonly type?: SecretType;
  /** When the current ref is due for rotation, under the policy. */
  readonly dueAt?: Date;
  readonly overdue: boolean;
  /** How long the current ref has been current. */
  readonly ageMs: number;
}

export interface PlanOptions {
  /** Only these secrets (each must be registered). */
  logicals?: readonly string[];
  /** Only secrets whose policy has this type. */
  type?: SecretType;
  /** Only secrets past their due date. */
  due?: boolean;
}

/**
 * The registered secrets a rotation would take, selected by name, by policy type and by
 * being overdue (every condition given must hold), sorted by name: what `baton rotate`
 * runs, and what `--dry-run` prints.
 *
 * @example
 * for (const { logical } of await planRotations(baton, { due: true })) {
 *   await rotate(baton, logical, rotations[logical]);
 * }
 */
export async function planRotations(
  baton: Baton,
  options: PlanOptions = {},
): Promise<PlannedRotation[]> {
  if (options.type !== undefined && !SECRET_TYPES.includes(options.type)) {
    throw new ConfigError(`type must be one of ${SECRET_TYPES.join(', ')}`);
  }
  await baton.ready();
  const statuses = baton.status();
  const names = options.logicals === undefined ? undefined : new Set(options.logicals);
  for (const logical of names ?? []) {
    if (!statuses.some((status) => status.logical === logical)) throw new NoEntryError(logical);
  }
  const planned: PlannedRotation[] = [];
  for (const status of statuses) {
    if (names !== undefined && !names.has(status.logical)) continue;
    if (options.type !== undefined && status.rotation?.type !== options.type) continue;
    if (options.due === true && !status.overdue) continue;
    const version = parseRef(status.currentRef).version;
    planned.push({
      logical: status.logical,
      currentRef: status.currentRef,
      ...(version === undefined ? {} : { nextRef: `${status.logical}:v${version + 1}` }),
      ...(status.rotation === undefined ? {} : { type: status.rotation.type }),
      ...(status.dueAt === undefined ? {} : { dueAt: status.dueAt }),
      overdue: status.overdue,
      ageMs: status.ageMs,
    });
  }
  return planned;
}
