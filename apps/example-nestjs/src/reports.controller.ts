import { BatonRef, type VerifiedRef, VerifyRef } from '@baton/nestjs';
import { Controller, Get, Inject } from '@nestjs/common';
import { ReportingClient } from './reporting.client.js';

@Controller('reports')
export class ReportsController {
  constructor(@Inject(ReportingClient) private readonly reporting: ReportingClient) {}

  /** An API key caller: `x-baton-ref: API_KEY:v1` and the key itself in `x-baton-key`. */
  @Get()
  @VerifyRef('API_KEY', { proof: 'value' })
  async list(@BatonRef() caller: VerifiedRef) {
    return { caller: caller.ref, reports: await this.reporting.latest() };
  }
}
