import { envSource } from '@baton/core';
import { BatonModule } from '@baton/nestjs';
import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { ReportingClient } from './reporting.client.js';
import { ReportsController } from './reports.controller.js';
import { RotationSeed } from './rotation-seed.js';
import { WebhooksController } from './webhooks.controller.js';

@Module({
  imports: [
    BatonModule.forRoot({
      isGlobal: true,
      sources: [envSource()],
      // The sender switches when v2 is promoted; v1 stays accepted for an hour after that.
      registry: { graceMs: 3_600_000, graceAnchor: 'promotion' },
      secrets: ['REPORTING_TOKEN:v1'],
    }),
  ],
  controllers: [WebhooksController, ReportsController, HealthController],
  providers: [ReportingClient, RotationSeed],
})
export class AppModule {}
