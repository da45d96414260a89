import {
  ConfigError,
  type Proof,
  parseRef,
  type SignatureProtocol,
  verifyOptionIssues,
} from '@baton/core';
import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PROOF, VERIFY_REF_METADATA } from './constants.js';
import { VerifyRefGuard, type VerifyRefMetadata } from './verify-ref.guard.js';

export interface VerifyRefOptions {
  /**
   * How the caller proves it holds the secret of the ref it presents: `'signature'` (HMAC of
   * the raw body), `'value'` (the secret in `x-baton-key`) or `'none'` (the ref alone; only on
   * purpose). Default `'signature'`.
   */
  proof?: Proof;
  /**
   * The wire format: `'baton'` (default, `x-baton-*` headers) or `'standard-webhooks'`
   * (`webhook-id`, `webhook-timestamp`, `webhook-signature`, signed with the secret of the
   * logical name: current, or previous inside grace; signature proof only).
   */
  protocol?: SignatureProtocol;
  /** Accepted distance in seconds between the signed timestamp and the clock. Default 300. */
  toleranceSec?: number;
  /**
   * Largest body the guard reads itself when no body parser kept `rawBody` (content types
   * Nest does not parse); larger ones get 413. Default 1 048 576 (1 MiB).
   */
  maxBodyBytes?: number;
}

/**
 * Verifies the ref a caller presents (`x-baton-ref`) for `logical`, with proof of
 * possession, before the route runs. Put it on a handler or a controller. Signature proof
 * needs the raw body: create the app with `NestFactory.create(AppModule, { rawBody: true })`
 * (bodies Nest does not parse are read by the guard itself). The `BatonModule` must be
 * global or imported by the controller's module.
 *
 * @example
 * @Post('billing')
 * @VerifyRef('WEBHOOK_SECRET')
 * receive(@Body() event: BillingEvent, @BatonRef() caller: VerifiedRef) { ... }
 *
 * @Get('reports')
 * @VerifyRef('API_KEY', { proof: 'value' })
 * reports() { ... }
 *
 * @Post('partner')
 * @VerifyRef('PARTNER_WEBHOOK_SECRET', { protocol: 'standard-webhooks' })
 * partner(@BatonRef() caller: VerifiedRef) { return { id: caller.id }; }
 */
export function VerifyRef(logical: string, options: VerifyRefOptions = {}) {
  const metadata = checkOptions(logical, options);
  return applyDecorators(SetMetadata(VERIFY_REF_METADATA, metadata), UseGuards(VerifyRefGuard));
}

function checkOptions(logical: string, options: VerifyRefOptions): VerifyRefMetadata {
  const issues: string[] = [];
  try {
    const parsed = parseRef(logical);
    if (parsed.version !== undefined) {
      issues.push(`@VerifyRef: the logical name has no version: use '${parsed.name}'`);
    }
  } catch {
    issues.push(
      '@VerifyRef: the first argument must be a logical secret name such as WEBHOOK_SECRET',
    );
  }
  const {
    proof = DEFAULT_PROOF,
    protocol,
    toleranceSec,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  } = options ?? {};
  for (const issue of verifyOptionIssues(options ?? {})) issues.push(`@VerifyRef: ${issue}`);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) {
    issues.push('@VerifyRef: maxBodyBytes must be a non-negative integer');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    logical,
    proof,
    ...(protocol === undefined ? {} : { protocol }),
    maxBodyBytes,
    ...(toleranceSec === undefined ? {} : { toleranceSec }),
  };
}
