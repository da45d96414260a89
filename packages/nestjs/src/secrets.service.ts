import type {
  Baton,
  CheckResult,
  ParsedRef,
  PromoteOptions,
  PromoteResult,
  RegisterOptions,
  RegistryEntry,
  RegistryHistoryRecord,
  RegistryStatus,
  VerifyRequestInput,
  VerifyRequestResult,
  WithSecretOptions,
} from '@baton/core';
import { Inject, Injectable } from '@nestjs/common';
import { BATON } from './constants.js';

/**
 * The module's Baton as an injectable service: resolve secrets, run rotations, verify refs.
 * Every call is the Baton's own (see `@baton/core`); `baton` is the instance itself.
 *
 * @example
 * @Injectable()
 * export class BillingClient {
 *   constructor(@Inject(SecretsService) private readonly secrets: SecretsService) {}
 *   charge() {
 *     return this.secrets.withSecret('STRIPE_KEY:v3', (key) => stripe(key).charges.create(...));
 *   }
 * }
 */
@Injectable()
export class SecretsService {
  /** Resolves one ref, with the Baton's options (`maxAgeMs`, `forceFetch`, `transform`, `schema`). */
  readonly getSecret: Baton['getSecret'];
  /** Resolves many refs, keyed as given, with the Baton's options. */
  readonly getSecrets: Baton['getSecrets'];
  /** Signs a body for a logical secret (`protocol: 'standard-webhooks'` too): the headers to send. */
  readonly sign: Baton['sign'];

  constructor(@Inject(BATON) readonly baton: Baton) {
    // Bound, so each keeps every overload of the Baton's own method.
    this.getSecret = baton.getSecret.bind(baton);
    this.getSecrets = baton.getSecrets.bind(baton);
    this.sign = baton.sign.bind(baton);
  }

  rotateSecret(ref: string | ParsedRef): Promise<string> {
    return this.baton.rotateSecret(ref);
  }

  invalidate(ref?: string | ParsedRef): void {
    this.baton.invalidate(ref);
  }

  withSecret<T>(
    ref: string | ParsedRef,
    fn: (value: string) => T | Promise<T>,
    options?: WithSecretOptions,
  ): Promise<T> {
    return this.baton.withSecret(ref, fn, options);
  }

  register(logical: string, currentRef: string, options?: RegisterOptions): Promise<RegistryEntry> {
    return this.baton.register(logical, currentRef, options);
  }

  promote(logical: string, newRef: string, options?: PromoteOptions): Promise<PromoteResult> {
    return this.baton.promote(logical, newRef, options);
  }

  retirePrevious(logical: string, options?: { force?: boolean; actor?: string }): Promise<boolean> {
    return this.baton.retirePrevious(logical, options);
  }

  validateGrace(logical: string, now?: number | Date): Promise<boolean> {
    return this.baton.validateGrace(logical, now);
  }

  verifyRef(logical: string, presentedRef: unknown): boolean {
    return this.baton.verifyRef(logical, presentedRef);
  }

  checkRef(logical: string, presentedRef: unknown): CheckResult {
    return this.baton.checkRef(logical, presentedRef);
  }

  status(): RegistryStatus[];
  status(logical: string): RegistryStatus | undefined;
  status(logical?: string): RegistryStatus[] | RegistryStatus | undefined {
    return logical === undefined ? this.baton.status() : this.baton.status(logical);
  }

  history(options?: {
    logical?: string;
    limit?: number;
  }): Promise<readonly RegistryHistoryRecord[]> {
    return this.baton.history(options);
  }

  verifyRequest(input: VerifyRequestInput): Promise<VerifyRequestResult> {
    return this.baton.verifyRequest(input);
  }

  flush(): Promise<void> {
    return this.baton.flush();
  }
}
