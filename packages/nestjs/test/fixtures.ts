import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { AuditEvent, BatonOptions } from '@baton/core';
import { envSource } from '@baton/core';
import { type ManualClock, manualClock } from '@baton/core/testing';
import { auditCollector } from '@baton-tools/test-kit';
import {
  Body,
  Controller,
  Get,
  type INestApplication,
  type LoggerService,
  Module,
  type NestApplicationOptions,
  Post,
  Req,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  BatonModule,
  BatonRef,
  SecretsService,
  type VerifiedRef,
  VerifyRef,
} from '../src/index.js';

export const HOUR = 3_600_000;

/** Secret values as the environment holds them (`WEBHOOK_SECRET:v2` → `WEBHOOK_SECRET_V2`). */
export const ENV = {
  WEBHOOK_SECRET_V1: 'nest-whsec-old-a1b2',
  WEBHOOK_SECRET_V2: 'nest-whsec-new-c3d4',
  API_KEY_V1: 'nest-api-key-e5f6',
  OPENAI_KEY_V2: 'nest-openai-g7h8',
} as const;

@Controller()
export class HooksController {
  @Post('hooks')
  @VerifyRef('WEBHOOK_SECRET')
  receive(@Body() event: { id?: number }, @BatonRef() caller: VerifiedRef) {
    return { id: event?.id ?? null, ...caller };
  }

  @Post('raw')
  @VerifyRef('WEBHOOK_SECRET', { maxBodyBytes: 64 })
  raw(@Req() req: { rawBody?: Buffer }) {
    return { bytes: req.rawBody?.length ?? null };
  }

  @Get('reports')
  @VerifyRef('API_KEY', { proof: 'value' })
  reports(@BatonRef() caller: VerifiedRef) {
    return { caller: caller.ref };
  }

  @Get('ref-only')
  @VerifyRef('API_KEY', { proof: 'none' })
  refOnly() {
    return { ok: true };
  }

  @Get('open')
  open(@BatonRef() caller: VerifiedRef | undefined) {
    return { caller: caller ?? null };
  }
}

/** Collects what Nest logs, so a test can read the error it reported. */
export function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]) => {
    lines.push(
      args
        .map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : String(arg)))
        .join(' '),
    );
  };
  return { lines, log: push, error: push, warn: push, debug: push, verbose: push, fatal: push };
}

export interface RunningApp {
  app: INestApplication;
  url: string;
  clock: ManualClock;
  events: AuditEvent[];
  logger: ReturnType<typeof recordingLogger>;
}

/**
 * The hooks controller behind a real Nest HTTP server on an ephemeral port, with
 * WEBHOOK_SECRET rotated from v1 to v2 an hour before "now" (grace 24 h) and API_KEY at v1.
 */
export async function startApp(
  appOptions: NestApplicationOptions = { rawBody: true },
  batonOptions: Partial<BatonOptions> = {},
): Promise<RunningApp> {
  const clock = manualClock();
  const audit = auditCollector();

  @Module({
    imports: [
      BatonModule.forRoot({
        isGlobal: true,
        sources: [envSource({ env: ENV })],
        clock,
        audit: audit.sink,
        registry: { graceMs: 24 * HOUR },
        ...batonOptions,
      }),
    ],
    controllers: [HooksController],
  })
  class AppModule {}

  const logger = recordingLogger();
  const app = await NestFactory.create(AppModule, { logger, ...appOptions });
  const baton = app.get(SecretsService).baton;
  await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
  clock.advance(HOUR);
  await baton.promote('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
  await baton.register('API_KEY', 'API_KEY:v1');
  clock.advance(HOUR);
  await baton.flush();
  audit.events.length = 0;
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, clock, events: audit.events, logger };
}
