import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { VERIFIED_REF_PROPERTY } from './constants.js';
import type { VerifiedRef } from './verify-ref.guard.js';

/**
 * The ref a `@VerifyRef` route accepted: `{ logical, ref, match }` (`match` is `'previous'`
 * while the caller still uses the ref a rotation replaced). `undefined` on other routes.
 *
 * @example
 * @Post('billing')
 * @VerifyRef('WEBHOOK_SECRET')
 * receive(@BatonRef() caller: VerifiedRef) { return { ref: caller.ref }; }
 */
export const BatonRef = createParamDecorator(
  (_data: unknown, context: ExecutionContext): VerifiedRef | undefined =>
    context.switchToHttp().getRequest<Record<string, VerifiedRef | undefined>>()[
      VERIFIED_REF_PROPERTY
    ],
);
