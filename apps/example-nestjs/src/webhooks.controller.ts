import { BatonRef, type VerifiedRef, VerifyRef } from '@baton/nestjs';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';

interface BillingEvent {
  type?: unknown;
}

@Controller('webhooks')
export class WebhooksController {
  /** A webhook signed with the current ref of WEBHOOK_SECRET, or the previous one within grace. */
  @Post('billing')
  @HttpCode(200)
  @VerifyRef('WEBHOOK_SECRET')
  billing(@Body() event: BillingEvent, @BatonRef() caller: VerifiedRef) {
    return {
      received: typeof event?.type === 'string' ? event.type : null,
      ref: caller.ref,
      match: caller.match,
    };
  }
}
