/**
 * The Nest server measured by the `nestjs` suite: the same handlers bare and behind
 * @VerifyRef, on the Express platform with `rawBody: true`. Secrets come from the environment
 * the suite passes in.
 */
import 'reflect-metadata';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage as Request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { envSource } from '@baton/core';
import { BatonModule, SecretsService, VerifyRef } from '@baton/nestjs';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  Post,
  type RawBodyRequest,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { reportListening } from '../http.js';

const secret = process.env.WEBHOOK_SECRET_V1 ?? '';

@Controller()
class BenchController {
  @Post('bare/webhook')
  @HttpCode(200)
  bareWebhook(@Body() body: unknown) {
    return { received: JSON.stringify(body).length };
  }

  /** What an app would write by hand: the same HMAC check, without Baton. */
  @Post('handwritten/webhook')
  @HttpCode(200)
  handwrittenWebhook(@Req() req: RawBodyRequest<Request>, @Body() body: unknown) {
    const timestamp = req.headers['x-baton-timestamp'];
    const signature = req.headers['x-baton-signature'];
    if (typeof timestamp !== 'string' || typeof signature !== 'string') {
      throw new UnauthorizedException();
    }
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) throw new UnauthorizedException();
    const expected = Buffer.from(
      `v1=${createHmac('sha256', secret)
        .update(`${timestamp}.`)
        .update(req.rawBody ?? Buffer.alloc(0))
        .digest('hex')}`,
    );
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException();
    }
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
  // Audit as JSON lines on stdout, the default: the suite drains this process's stdout.
  imports: [BatonModule.forRoot({ isGlobal: true, sources: [envSource()] })],
  controllers: [BenchController],
})
class BenchModule {}

const app = await NestFactory.create(BenchModule, { rawBody: true, logger: false });
const secrets = app.get(SecretsService);
await secrets.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
await secrets.register('API_KEY', 'API_KEY:v1');
await app.listen(0, '127.0.0.1');
reportListening((app.getHttpServer().address() as AddressInfo).port);
