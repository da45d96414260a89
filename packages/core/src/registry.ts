import type { AcceptAudit, AuditLog, AuditTemplate } from './audit.js';
import { conceal } from './conceal.js';
import { MAX_PRESENTED_REF_LENGTH } from './constants.js';
import { displayRef } from './display-ref.js';
import { BatonError, ConfigError, NoEntryError, SecretRefError, StoreError } from './errors.js';
import { type GracePolicy, previousExpiresAt } from './grace.js';
import type { Notices } from './notices.js';
import {
  type ChangeResult,
  entryProblem,
  LATEST_TIME_MS,
  type RegistryChange,
  type RegistryEntry,
  type RegistryHistoryRecord,
  type RegistryStore,
  type StoreUpdate,
} from './registry-store.js';
import {
  copyRotationPolicy,
  type RotationPolicy,
  rotationDueAt,
  rotationPeriodDays,
  rotationPolicyProblem,
} from './rotation-policy.js';
import { assertLogicalName, type ParsedRef, parseRef, tryParseRef } from './secret-ref.js';
import type { Telemetry } from './telemetry.js';

/**
 * Why a presented ref was not accepted. `not_ready`: the registry's snapshot has not been
 * loaded from its store yet (call `await baton.ready()` at start-up).
 */
export type CheckRejectReason =
  | 'no_entry'
  | 'no_match'
  | 'previous_expired'
  | 'malformed'
  | 'not_ready';

/** The detail of a ref check (`checkRef`). */
export type CheckResult =
  | { readonly accepted: true; readonly match: 'current' | 'previous'; readonly ref: string }
  | { readonly accepted: false; readonly reason: CheckRejectReason };

/** An accepted ref: current, or previous inside grace. */
export type AcceptedRef = Extract<CheckResult, { accepted: true }>;

export interface RegisterOptions {
  previousRef?: string;
  /** Default: now. */
  activatedAt?: Date;
  /** Default: `activatedAt`, so a registered previous ref gets a full grace window. */
  previousActivatedAt?: Date;
  actor?: string;
  /** Keep an existing entry instead of replacing it: for replicas seeding a shared store. */
  ifAbsent?: boolean;
  /** Compare-and-set: the revision the entry must have (0: no entry yet). */
  expectedRevision?: number;
}

export interface PromoteOptions {
  actor?: string;
  /** Compare-and-set: fail with `RegistryConflictError` unless the entry is at this revision. */
  expectedRevision?: number;
}

/** The entry after a promotion; `warning` says when the previous ref is already outside grace. */
export type PromoteResult = RegistryEntry & { readonly warning?: string };

/** An entry with its grace window worked out, for people and tools. */
export interface RegistryStatus extends RegistryEntry {
  readonly graceMs: number;
  readonly graceAnchor: GracePolicy['graceAnchor'];
  /** When the previous ref stops being accepted. */
  readonly previousExpiresAt?: Date;
  /** Whether the previous ref is accepted now. */
  readonly previousAccepted: boolean;
  /** Milliseconds until the previous ref stops being accepted (0 when it is not). */
  readonly graceRemainingMs: number;
  /** How long the current ref has been current, in milliseconds. */
  readonly ageMs: number;
  /** With a rotation policy: when the current ref is due for rotation. */
  readonly dueAt?: Date;
  /** Whether the current ref is past its rotation due date (`false` without a policy). */
  readonly overdue: boolean;
}

export interface RotationPolicyOptions {
  actor?: string;
  /** Compare-and-set: fail with `RegistryConflictError` unless the entry is at this revision. */
  expectedRevision?: number;
}

/**
 * One entry of the local snapshot, with what `verifyRef` needs worked out. The answers and
 * audit events of its accepts are made at the first accept and then reused, so recording one
 * allocates nothing and an entry never verified costs little.
 */
class Slot {
  /**
   * Set once the previous ref has been seen outside its grace window: a clock that later
   * steps backwards must not bring it back.
   */
  previousExpired = false;
  private currentAnswer: AcceptedRef | undefined;
  private previousAnswer: AcceptedRef | undefined;
  private currentOnly: readonly AcceptedRef[] | undefined;
  private withPrevious: readonly AcceptedRef[] | undefined;
  private currentEvent: AuditTemplate | undefined;
  private previousEvent: AuditTemplate | undefined;

  constructor(
    readonly entry: RegistryEntry,
    readonly policy: GracePolicy,
    readonly previousExpiresAt: number,
  ) {}

  acceptCurrent(): AcceptedRef {
    this.currentAnswer ??= Object.freeze({
      accepted: true,
      match: 'current',
      ref: this.entry.currentRef,
    });
    return this.currentAnswer;
  }

  /** Only for a slot with a previous ref. */
  acceptPrevious(): AcceptedRef {
    this.previousAnswer ??= Object.freeze({
      accepted: true,
      match: 'previous',
      ref: this.entry.previousRef as string,
    });
    return this.previousAnswer;
  }

  /** The accepted refs when none is presented: current, and previous when `inGrace`. */
  accepted(inGrace: boolean): readonly AcceptedRef[] {
    if (inGrace && this.entry.previousRef !== undefined) {
      this.withPrevious ??= Object.freeze([this.acceptCurrent(), this.acceptPrevious()]);
      return this.withPrevious;
    }
    this.currentOnly ??= Object.freeze([this.acceptCurrent()]);
    return this.currentOnly;
  }

  /** The `verify_accept` event of a ref of this entry, or `undefined` for another ref. */
  acceptEvent(ref: string, match: 'current' | 'previous'): AuditTemplate | undefined {
    if (match === 'current') {
      if (ref !== this.entry.currentRef) return undefined;
      this.currentEvent ??= Object.freeze({
        type: 'verify_accept',
        logical: this.entry.logical,
        ref,
        match,
      });
      return this.currentEvent;
    }
    if (ref !== this.entry.previousRef) return undefined;
    this.previousEvent ??= Object.freeze({
      type: 'verify_accept',
      logical: this.entry.logical,
      ref,
      match,
    });
    return this.previousEvent;
  }
}

const NO_ENTRY: CheckResult = Object.freeze({ accepted: false, reason: 'no_entry' });
const NO_MATCH: CheckResult = Object.freeze({ accepted: false, reason: 'no_match' });
const PREVIOUS_EXPIRED: CheckResult = Object.freeze({
  accepted: false,
  reason: 'previous_expired',
});
const MALFORMED: CheckResult = Object.freeze({ accepted: false, reason: 'malformed' });
const NOT_READY: CheckResult = Object.freeze({ accepted: false, reason: 'not_ready' });
/** How many distinct rejection events are kept for reuse before the set starts over. */
const REJECT_EVENTS_KEPT = 1024;

/**
 * The rotation registry: changes go to the store, answers come from a local snapshot that
 * the store keeps current, so `verifyRef` is synchronous and never waits on I/O.
 */
export class Registry {
  private readonly slots = new Map<string, Slot>();
  /** Whether the snapshot has been loaded from the store: until then no check can be answered. */
  private loaded = false;
  private loading: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastPresented: string | undefined;
  /** With summarised accepts: the accepts counted since the last summary, and when it is due. */
  private readonly acceptCounts = new Map<AuditTemplate, number>();
  /** Rejections of refs of a verified secret, by reason and ref (see `rejectEvent`). */
  private readonly rejectEvents = new Map<string, AuditTemplate>();
  /** The last of them: a client repeating itself is found without building a key. */
  private lastReject: AuditTemplate | undefined;
  private summaryDue: number;
  private lastParsed: ParsedRef | undefined;

  constructor(
    private readonly store: RegistryStore,
    private readonly policyFor: (logical: string) => GracePolicy,
    private readonly clock: () => number,
    private readonly audit: AuditLog,
    private readonly telemetry: Telemetry,
    private readonly notices: Notices,
    private readonly acceptAudit: AcceptAudit = 'each',
  ) {
    conceal(this, () => `Registry { store: ${store.name}, ${this.slots.size} entries }`);
    this.summaryDue = acceptAudit === 'each' ? 0 : clock() + acceptAudit.everyMs;
    if (typeof store.loadSync === 'function') {
      // An in-memory store answers at once: the registry is ready from the start.
      this.merge(store.loadSync());
      this.follow();
      this.loaded = true;
      this.loading = Promise.resolve();
    }
  }

  /** Whether the snapshot is loaded (`ready()` has resolved). */
  get isReady(): boolean {
    return this.loaded;
  }

  /** Loads the snapshot from the store (once) and follows its changes. */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined;
      throw error instanceof BatonError
        ? error
        : new StoreError(this.store.name, 'could not load the registry', { cause: error });
    });
    return this.loading;
  }

  async register(
    logical: string,
    currentRef: string,
    options: RegisterOptions = {},
  ): Promise<RegistryEntry> {
    assertLogicalName(logical);
    const current = refOf(logical, currentRef, 'currentRef');
    const previous =
      options.previousRef === undefined
        ? undefined
        : refOf(logical, options.previousRef, 'previousRef');
    if (previous !== undefined && previous.ref === current.ref) {
      throw new SecretRefError(
        `register ${logical}: previousRef and currentRef are the same ref (${current.ref})`,
      );
    }
    assertDate(options.activatedAt, 'activatedAt');
    assertDate(options.previousActivatedAt, 'previousActivatedAt');
    assertRevision(options.expectedRevision);
    const result = await this.apply({
      kind: 'register',
      logical,
      currentRef: current.ref,
      ...(previous === undefined ? {} : { previousRef: previous.ref }),
      ...pick(options, [
        'activatedAt',
        'previousActivatedAt',
        'actor',
        'ifAbsent',
        'expectedRevision',
      ]),
    });
    if (result.changed) this.recordChange('register', result.entry, options.actor);
    return result.entry;
  }

  async promote(
    logical: string,
    newRef: string,
    options: PromoteOptions = {},
  ): Promise<PromoteResult> {
    assertLogicalName(logical);
    const next = refOf(logical, newRef, 'newRef');
    assertRevision(options.expectedRevision);
    const result = await this.apply({
      kind: 'promote',
      logical,
      ref: next.ref,
      ...pick(options, ['actor', 'expectedRevision']),
    });
    if (!result.changed) return result.entry;
    const { entry } = result;
    this.recordChange('promote', entry, options.actor);
    const slot = this.slots.get(logical);
    const now = this.clock();
    if (slot === undefined || entry.previousRef === undefined || previousAccepted(slot, now)) {
      return entry;
    }
    this.emitChange('grace_expired', entry, now, entry.previousRef, options.actor);
    return {
      ...entry,
      warning:
        `${entry.previousRef} is already outside its grace window (${slot.policy.graceMs} ms from ` +
        `${slot.policy.graceAnchor === 'activation' ? 'its activation' : 'this promotion'}): callers ` +
        'still presenting it are rejected from now on. Under the activation anchor the grace must be ' +
        'longer than the time between rotations.',
    };
  }

  /** Drops the previous ref; refused inside its grace window unless `force`. */
  async retirePrevious(
    logical: string,
    options: { force?: boolean; actor?: string } = {},
  ): Promise<boolean> {
    await this.ready();
    const slot = this.slots.get(logical);
    if (slot === undefined) throw new NoEntryError(logical);
    const previousRef = slot.entry.previousRef;
    if (previousRef === undefined) return false;
    const now = this.clock();
    if (!options.force && previousAccepted(slot, now)) {
      this.emitChange(
        'retire_blocked',
        slot.entry,
        now,
        previousRef,
        options.actor,
        'inside_grace',
      );
      return false;
    }
    const result = await this.apply({
      kind: 'retire',
      logical,
      previousRef,
      reason: 'retire',
      ...pick(options, ['actor']),
    });
    if (!result.changed) return false;
    this.telemetry.recordRegistryChange('retire', logical);
    this.emitChange('retire', result.entry, this.clock(), previousRef, options.actor);
    return true;
  }

  /** Sets the rotation policy of a registered secret, or clears it with `undefined`. */
  async setRotationPolicy(
    logical: string,
    policy: RotationPolicy | undefined,
    options: RotationPolicyOptions = {},
  ): Promise<RegistryEntry> {
    assertLogicalName(logical);
    if (policy !== undefined) {
      const problem = rotationPolicyProblem(policy);
      if (problem !== undefined) throw new ConfigError(`rotation policy of ${logical}: ${problem}`);
    }
    assertRevision(options.expectedRevision);
    const result = await this.apply({
      kind: 'policy',
      logical,
      ...(policy === undefined ? {} : { rotation: copyRotationPolicy(policy) }),
      ...pick(options, ['actor', 'expectedRevision']),
    });
    if (result.changed) {
      this.telemetry.recordRegistryChange('policy', logical);
      const rotation = result.entry.rotation;
      this.emitChange(
        'policy',
        result.entry,
        this.clock(),
        undefined,
        options.actor,
        rotation === undefined ? 'cleared' : describePolicy(rotation),
      );
    }
    return result.entry;
  }

  /** `true` while the previous ref is inside grace; once outside, clears it and answers `false`. */
  async validateGrace(logical: string, now?: number | Date): Promise<boolean> {
    const at = now === undefined ? this.clock() : timeOf(now, 'validateGrace(logical, now): now');
    await this.ready();
    const slot = this.slots.get(logical);
    const previousRef = slot?.entry.previousRef;
    if (slot === undefined || previousRef === undefined) return false;
    if (previousAccepted(slot, at)) return true;
    const result = await this.apply({
      kind: 'retire',
      logical,
      previousRef,
      reason: 'grace_expired',
    });
    if (result.changed) {
      this.telemetry.recordRegistryChange('grace_expired', logical);
      this.emitChange('grace_expired', result.entry, at, previousRef, undefined);
    }
    return false;
  }

  /** The decision for a presented ref, without audit or metrics. Never throws. */
  decide(logical: string, presented: unknown, now: number): CheckResult {
    const slot = this.slots.get(logical);
    if (slot === undefined) return this.loaded ? NO_ENTRY : NOT_READY;
    if (typeof presented !== 'string' || presented.length > MAX_PRESENTED_REF_LENGTH)
      return MALFORMED;
    const { entry } = slot;
    if (presented === entry.currentRef) return slot.acceptCurrent();
    if (presented !== entry.previousRef) {
      const canonical = this.parsePresented(presented)?.ref;
      if (canonical === undefined) return MALFORMED;
      if (canonical === entry.currentRef) return slot.acceptCurrent();
      if (canonical !== entry.previousRef) return NO_MATCH;
    }
    return previousAccepted(slot, now) ? slot.acceptPrevious() : PREVIOUS_EXPIRED;
  }

  /**
   * The refs accepted now without one being presented (a Standard Webhooks request is signed
   * with a secret, not a ref): current, then previous while inside grace. Never throws.
   */
  acceptedRefs(logical: string, now: number): readonly AcceptedRef[] | 'no_entry' | 'not_ready' {
    const slot = this.slots.get(logical);
    if (slot === undefined) return this.loaded ? 'no_entry' : 'not_ready';
    return slot.accepted(slot.entry.previousRef !== undefined && previousAccepted(slot, now));
  }

  /** `checkRef`: the decision, audited and counted. */
  check(logical: string, presented: unknown): CheckResult {
    const now = this.clock();
    const result = this.decide(logical, presented, now);
    if (result.accepted) this.recordAccept(logical, result.ref, result.match, now);
    else this.recordReject(logical, result.reason, presented, now);
    return result;
  }

  recordAccept(logical: string, ref: string, match: 'current' | 'previous', now: number): void {
    this.telemetry.recordVerify(logical, 'accept', match);
    if (!this.audit.enabled) return;
    // After a promotion between the decision and this record, the event is made for this once.
    const event =
      this.slots.get(logical)?.acceptEvent(ref, match) ??
      Object.freeze({ type: 'verify_accept', logical, ref, match });
    if (this.acceptAudit === 'each') this.audit.emitTemplate(event, now);
    else this.countAccept(event, now);
  }

  /** Counts an accept toward its summary, writing the summaries once their window is over. */
  private countAccept(event: AuditTemplate, now: number): void {
    this.acceptCounts.set(event, (this.acceptCounts.get(event) ?? 0) + 1);
    if (now >= this.summaryDue) this.summarizeAccepts(now);
  }

  /** Writes one `verify_accept` with a `count` per ref and match accepted since the last. */
  summarizeAccepts(now = this.clock()): void {
    if (this.acceptAudit === 'each') return;
    for (const [event, count] of this.acceptCounts) {
      this.audit.emit({ ...event, count, atMs: now });
    }
    this.acceptCounts.clear();
    this.summaryDue = now + this.acceptAudit.everyMs;
  }

  /** Records a rejection; the presented text is echoed only when it is a ref of this secret. */
  recordReject(logical: string, reason: string, presented: unknown, now: number): void {
    this.telemetry.recordVerify(logical, 'reject', reason);
    if (reason === 'not_ready') {
      this.notices.once(
        'not_ready',
        `a ref of ${logical} was checked before the registry was loaded from its store ` +
          `("${this.store.name}"), so it was refused: call await baton.ready() at start-up`,
      );
    }
    if (!this.audit.enabled) return;
    const parsed =
      typeof presented === 'string' && presented.length <= MAX_PRESENTED_REF_LENGTH
        ? this.parsePresented(presented)
        : undefined;
    if (parsed !== undefined && parsed.name === logical) {
      this.audit.emitTemplate(this.rejectEvent(logical, reason, parsed.ref), now);
    } else {
      const presentedLength = typeof presented === 'string' ? presented.length : undefined;
      this.audit.emit({ type: 'verify_reject', logical, atMs: now, reason, presentedLength });
    }
  }

  /**
   * The `verify_reject` event of a ref of this secret, made once and reused: a client that
   * keeps presenting an expired ref writes the same event again and again. Bounded, since the
   * presented ref is the caller's choice.
   */
  private rejectEvent(logical: string, reason: string, presentedRef: string): AuditTemplate {
    const last = this.lastReject;
    if (
      last !== undefined &&
      last.presentedRef === presentedRef &&
      last.reason === reason &&
      last.logical === logical
    ) {
      return last;
    }
    const key = `${reason}\u0000${presentedRef}`;
    let event = this.rejectEvents.get(key);
    if (event === undefined) {
      if (this.rejectEvents.size >= REJECT_EVENTS_KEPT) this.rejectEvents.clear();
      event = Object.freeze({ type: 'verify_reject', logical, reason, presentedRef });
      this.rejectEvents.set(key, event);
    }
    this.lastReject = event;
    return event;
  }

  /** Parses a presented ref, remembering the last one: a rejection needs it twice. */
  private parsePresented(presented: string): ParsedRef | undefined {
    if (presented !== this.lastPresented) {
      this.lastPresented = presented;
      this.lastParsed = tryParseRef(presented);
    }
    return this.lastParsed;
  }

  /** The current ref of a logical name, from the snapshot. */
  currentRef(logical: string): string | undefined {
    return this.slots.get(logical)?.entry.currentRef;
  }

  status(logical?: string): RegistryStatus[] {
    const now = this.clock();
    const slots = logical === undefined ? [...this.slots.values()] : [this.slots.get(logical)];
    const statuses: RegistryStatus[] = [];
    for (const slot of slots) {
      if (slot === undefined) continue;
      const accepted = previousAccepted(slot, now);
      statuses.push({
        ...copyEntry(slot.entry),
        graceMs: slot.policy.graceMs,
        graceAnchor: slot.policy.graceAnchor,
        ...(slot.entry.previousRef === undefined
          ? {}
          : { previousExpiresAt: new Date(slot.previousExpiresAt) }),
        previousAccepted: accepted,
        graceRemainingMs: accepted ? slot.previousExpiresAt - now : 0,
        ...rotationTiming(slot.entry, now),
      });
    }
    return statuses.sort((a, b) => (a.logical < b.logical ? -1 : a.logical > b.logical ? 1 : 0));
  }

  async history(options?: {
    logical?: string;
    limit?: number;
  }): Promise<readonly RegistryHistoryRecord[]> {
    if (this.store.history === undefined) return [];
    try {
      return await this.store.history(options);
    } catch (error) {
      throw wrapStoreError(this.store.name, 'could not read the history', error);
    }
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.store.close?.();
  }

  private async load(): Promise<void> {
    const entries = await this.store.load();
    this.merge(entries);
    this.follow();
    this.loaded = true;
  }

  private follow(): void {
    this.unsubscribe ??= this.store.subscribe?.((changed, update) => this.merge(changed, update));
  }

  /**
   * Takes entries newer than the snapshot's; a late echo of an older revision is ignored,
   * and so is an entry that is not sound (a ref of another secret, an invalid time), which
   * no change made through a registry can produce. A resync replaces the snapshot: the
   * store's history went back, and it is the truth.
   */
  private merge(entries: readonly RegistryEntry[], update?: StoreUpdate): void {
    if (update?.resync) this.slots.clear();
    for (const entry of entries) {
      const problem = entryProblem(entry);
      if (problem !== undefined) {
        this.notices.limited(
          `unsound:${this.store.name}`,
          `registry store "${this.store.name}" holds an entry that was ignored: ${problem}`,
        );
        continue;
      }
      const known = this.slots.get(entry.logical);
      if (known !== undefined && known.entry.revision >= entry.revision) continue;
      this.slots.set(entry.logical, this.slot(entry));
    }
  }

  /** The slot of an entry a store handed over: stores never change an entry they gave out. */
  private slot(entry: RegistryEntry): Slot {
    const policy = this.policyFor(entry.logical);
    return new Slot(entry, policy, previousExpiresAt(entry, policy));
  }

  private async apply(change: RegistryChange): Promise<ChangeResult> {
    await this.ready();
    let result: ChangeResult;
    try {
      result = await this.store.apply(change, new Date(this.clock()));
    } catch (error) {
      throw wrapStoreError(this.store.name, `could not ${change.kind} ${change.logical}`, error);
    }
    this.merge([result.entry]);
    return { entry: copyEntry(result.entry), changed: result.changed };
  }

  private recordChange(
    change: 'register' | 'promote',
    entry: RegistryEntry,
    actor: string | undefined,
  ): void {
    this.telemetry.recordRegistryChange(change, entry.logical);
    this.emitChange(change, entry, this.clock(), entry.previousRef, actor);
  }

  private emitChange(
    type: 'register' | 'promote' | 'retire' | 'retire_blocked' | 'grace_expired' | 'policy',
    entry: RegistryEntry,
    atMs: number,
    previousRef: string | undefined,
    actor: string | undefined,
    reason?: string,
  ): void {
    if (!this.audit.enabled) return;
    const ref = type === 'register' || type === 'promote' ? entry.currentRef : undefined;
    this.audit.emit({
      type,
      logical: entry.logical,
      atMs,
      ref,
      previousRef,
      actor,
      reason,
      revision: entry.revision,
    });
  }
}

/** Parses a ref given for `logical` and checks that it carries that name. */
function refOf(logical: string, ref: string, what: string): ParsedRef {
  const parsed = parseRef(ref);
  if (parsed.name !== logical) {
    throw new SecretRefError(
      `${what} ${displayRef(parsed.ref)} does not belong to ${logical}: a ref registered under ${logical} must be ${logical} or ${logical}:vN`,
    );
  }
  return parsed;
}

/**
 * Whether the previous ref of a slot is accepted at `now`. Once seen expired it stays
 * expired, so a clock stepping backwards (an NTP correction) cannot revive it.
 */
function previousAccepted(slot: Slot, now: number): boolean {
  if (slot.previousExpired) return false;
  if (now < slot.previousExpiresAt) return true;
  if (slot.entry.previousRef !== undefined) slot.previousExpired = true;
  return false;
}

function assertDate(value: unknown, what: string): void {
  if (value === undefined) return;
  timeOf(value, what);
}

/** The epoch milliseconds of a time given by a caller: a valid `Date` or number in range. */
function timeOf(value: unknown, what: string): number {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Number.NaN;
  if (!(ms >= 0 && ms <= LATEST_TIME_MS)) {
    throw new ConfigError(
      `${what} must be a valid Date (or epoch milliseconds) between 1970 and 9999`,
    );
  }
  return ms;
}

function assertRevision(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError('expectedRevision must be a non-negative integer');
  }
}

function wrapStoreError(store: string, message: string, error: unknown): BatonError {
  return error instanceof BatonError ? error : new StoreError(store, message, { cause: error });
}

function copyEntry(entry: RegistryEntry): RegistryEntry {
  return {
    logical: entry.logical,
    currentRef: entry.currentRef,
    ...(entry.previousRef === undefined ? {} : { previousRef: entry.previousRef }),
    activatedAt: new Date(entry.activatedAt.getTime()),
    ...(entry.previousActivatedAt === undefined
      ? {}
      : { previousActivatedAt: new Date(entry.previousActivatedAt.getTime()) }),
    revision: entry.revision,
    ...(entry.rotation === undefined ? {} : { rotation: copyRotationPolicy(entry.rotation) }),
  };
}

/** Age, due date and overdue of an entry's current ref at `now`. */
function rotationTiming(
  entry: RegistryEntry,
  now: number,
): { ageMs: number; dueAt?: Date; overdue: boolean } {
  const ageMs = Math.max(0, now - entry.activatedAt.getTime());
  if (entry.rotation === undefined) return { ageMs, overdue: false };
  const dueAt = rotationDueAt(entry.rotation, entry.activatedAt);
  return { ageMs, dueAt, overdue: now >= dueAt.getTime() };
}

/** A policy in words for its audit event: `database, every 90 days`. */
function describePolicy(policy: RotationPolicy): string {
  return `${policy.type}, every ${rotationPeriodDays(policy)} days`;
}

function pick<T extends object, K extends keyof T>(
  source: T,
  keys: readonly K[],
): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
