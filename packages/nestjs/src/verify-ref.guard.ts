import { type Baton, ConfigError, type Proof, type SignatureProtocol } from '@baton/core';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  BatonBodyTooLargeException,
  BatonUnauthorizedException,
  BatonUnavailableException,
} from './baton.exceptions.js';
import {
  BATON,
  DEFAULT_MAX_BODY_BYTES,
  VERIFIED_REF_PROPERTY,
  VERIFY_REF_METADATA,
} from './constants.js';
import { type NestRequest, rawBodyOf } from './raw-body.js';

/** What `@VerifyRef(logical, options)` records on a route. */
export interface VerifyRefMetadata {
  logical: string;
  proof: Proof;
  protocol?: SignatureProtocol;
  toleranceSec?: number;
  maxBodyBytes?: number;
}

/** What an accepted request presented, as `@BatonRef()` hands it to the handler. */
export interface VerifiedRef {
  readonly logical: string;
  /** The ref proved: the one presented, or with Standard Webhooks the one whose secret signed. */
  readonly ref: string;
  readonly match: 'current' | 'previous';
  /** The message id (`webhook-id`, or `x-baton-id` when sent): a key for idempotency. */
  readonly id?: string;
}

/**
 * The guard behind `@VerifyRef`: checks the presented ref and its proof with the Baton's
 * `verifyRequest` (one audit event per decision). A rejection is a 401 with exactly
 * `{"error":"unauthorized"}`; a signed body over `maxBodyBytes`, a 413; a 503 when the server
 * cannot decide (the registry or the secret cannot be read, or the app was created without
 * `rawBody: true` so a body parser consumed the signed bytes: said once in the log).
 */
@Injectable()
export class VerifyRefGuard implements CanActivate {
  constructor(
    @Inject(BATON) private readonly baton: Baton,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const options = this.reflector.getAllAndOverride<VerifyRefMetadata | undefined>(
      VERIFY_REF_METADATA,
      [context.getHandler(), context.getClass()],
    );
    if (options === undefined) return true;
    if (context.getType() !== 'http') {
      throw new ConfigError(`@VerifyRef('${options.logical}') guards HTTP routes only`);
    }
    const req = context.switchToHttp().getRequest<NestRequest>();
    const result = await this.baton.verifyRequest({
      logical: options.logical,
      proof: options.proof,
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
      headers: req.headers,
      body: () => rawBodyOf(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
      ...(options.toleranceSec === undefined ? {} : { toleranceSec: options.toleranceSec }),
    });
    if (!result.ok) {
      throw result.status === 503
        ? new BatonUnavailableException()
        : result.status === 413
          ? new BatonBodyTooLargeException()
          : new BatonUnauthorizedException();
    }
    const { logical, ref, match, id } = result;
    const verified: VerifiedRef =
      id === undefined ? { logical, ref, match } : { logical, ref, match, id };
    req[VERIFIED_REF_PROPERTY] = verified;
    return true;
  }
}
