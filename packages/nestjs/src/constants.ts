import { REJECTION_BODIES } from '@baton/core';

/** Tokens, metadata keys and defaults of the Nest module, named once. */

/** Injection token of the module's `Baton` (`@Inject(BATON) baton: Baton`). */
export const BATON = Symbol('BATON');
/** Injection token of the secrets resolved at start-up, keyed by ref as given. */
export const BATON_SECRETS = Symbol('BATON_SECRETS');
/** Route metadata written by `@VerifyRef`. */
export const VERIFY_REF_METADATA = 'baton:verify-ref';
/** Request property where the guard leaves what it verified (read by `@BatonRef()`). */
export const VERIFIED_REF_PROPERTY = 'batonRef';

/** How callers prove they hold a ref's secret, unless `@VerifyRef` says otherwise. */
export const DEFAULT_PROOF = 'signature';
/** Largest body the guard reads itself (when no body parser kept `rawBody`): 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** The body of every rejected request (status 401). */
export const UNAUTHORIZED_BODY = REJECTION_BODIES[401];
/** The body when a secret or the registry cannot be read (status 503): the caller may retry. */
export const UNAVAILABLE_BODY = REJECTION_BODIES[503];
/** The body when a signed body is larger than the guard reads (status 413). */
export const TOO_LARGE_BODY = REJECTION_BODIES[413];

/**
 * The injection token of one secret injected by name (what `@InjectSecret(ref)` injects), for
 * custom providers built from a secret.
 *
 * @example
 * { provide: OpenAI, useFactory: (key: string) => new OpenAI({ apiKey: key }), inject: [secretToken('OPENAI_KEY:v2')] }
 */
export function secretToken(canonicalRef: string): string {
  return `BATON_SECRET:${canonicalRef}`;
}
