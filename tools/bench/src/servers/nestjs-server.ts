/**
 * The Nest server measured by the `nestjs` suite: the same handlers bare and behind
 * @VerifyRef, on the Express platform with `rawBody: true`. Secrets come from the environment
 * the suite passes in.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { envSource } from '@baton/core';
import { BatonModule, SecretsService, VerifyRef } from '@baton/nestjs';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { reportListening } from '../http.js';

@Controller()
class BenchController {
  @Post('bare/webhook')
  @HttpCode(200)
  bareWebhook(@Body() body: unknown) {
    return { received: JSON.stringify(body).length };
  }

  @Post('verified/webhook')
  @HttpCode(200)
  @VerifyRef('WEBHOOK_SECRET')
  verifiedWebhook(@Body() body: unknown) {
    return { received: JSON.stringify(body).length };
  }

  @Get('bare/reports')
  bareReports() {
    return { reports: ['daily'] };
  }

  @Get('verified/reports')
  @VerifyRef('API_KEY', { proof: 'value' })
  verifiedReports() {
    return { reports: ['daily'] };
  }
}

@Module({
  imports: [BatonModule.forRoot({ isGlobal: true, sources: [envSource()], audit: () => {} })],
  controllers: [BenchController],
})
class BenchModule {}

const app = await NestFactory.create(BenchModule, { rawBody: true, logger: false });
const secrets = app.get(SecretsService);
await secrets.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
await secrets.register('API_KEY', 'API_KEY:v1');
await app.listen(0, '127.0.0.1');
reportListening((app.getHttpServer().address() as AddressInfo).port);
