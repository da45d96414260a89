/**
 * The canary for @baton/nestjs: the module, the guard and injection run with known secret
 * values through every path (accept, reject, unavailable, rawBody missing, start-up failure),
 * and nothing emitted may contain them: HTTP response bodies and headers, Nest's own log
 * (its default logger, on stdout), audit events as JSON lines, metrics, spans, errors.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import {
  type AuditEvent,
  computeSignature,
  envSource,
  jsonLinesSink,
  type SecretSource,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { captureOutput, expectNoSecrets, recordingTelemetry } from '@baton-tools/test-kit';
import { Body, Controller, Get, Injectable, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { expect, it } from 'vitest';
import { BatonModule, InjectSecret, SecretsService, VerifyRef } from '../src/index.js';

const CANARY = 'sk-canary-nest-1f2e3d4c5b6a-!@#';
const CANARY_REF_SHAPED = 'ghp_CANARYnest9a8b7c6d5e4f3a2b1c0d9e8f';
const CANARY_KEY = 'canary-api-key-nest-31415';
const CANARY_WHSEC = `whsec_${Buffer.from('canary-partner-nest-6c1d2e').toString('base64')}`;
const CANARIES = [CANARY, CANARY_REF_SHAPED, CANARY_KEY, CANARY_WHSEC, CANARY_WHSEC.slice(6)];

@Injectable()
class UsesSecret {
  constructor(@InjectSecret('HOOK:v1') readonly value: string) {}
}

@Controller()
class CanaryController {
  @Post('hook')
  @VerifyRef('HOOK')
  hook(@Body() body: unknown) {
    return { got: body };
  }

  @Post('broken')
  @VerifyRef('BROKEN')
  broken() {
    return 'no';
  }

  @Get('api')
  @VerifyRef('API', { proof: 'value' })
  api() {
    return 'ok';
  }

  @Post('partner')
  @VerifyRef('PARTNER', { protocol: 'standard-webhooks' })
  partner(@Body() body: unknown) {
    return { got: body };
  }
}

it('no secret value appears in anything the Nest module emits', async () => {
  const output = captureOutput();
  try {
    const telemetry = recordingTelemetry();
    const events: AuditEvent[] = [];
    const clock = manualClock();
    const failing: SecretSource = {
      name: 'failing',
      async get(ref) {
        if (ref.name === 'BROKEN' || ref.name === 'MISSING') {
          throw new Error(`upstream echoed ${CANARY} in its message`);
        }
        return undefined;
      },
    };
    const env = {
      HOOK_V1: CANARY,
      HOOK_V2: CANARY_REF_SHAPED,
      API_V1: CANARY_KEY,
      PARTNER_V1: CANARY_WHSEC,
    };
    const batonOptions = {
      sources: [failing, envSource({ env })],
      clock,
      audit: [(event: AuditEvent) => events.push(event), jsonLinesSink()],
      telemetry: telemetry.options,
    };

    @Module({
      imports: [BatonModule.forRoot({ ...batonOptions, isGlobal: true, secrets: ['HOOK:v1'] })],
      controllers: [CanaryController],
      providers: [UsesSecret],
    })
    class AppModule {}

    const errors: unknown[] = [];
    const bodies: string[] = [];
    // The default Nest logger: what it prints goes to the captured stdout.
    for (const rawBody of [true, false]) {
      const app = await NestFactory.create(AppModule, { rawBody });
      expect(app.get(UsesSecret).value).toBe(CANARY);
      const secrets = app.get(SecretsService);
      await secrets.register('HOOK', 'HOOK:v1');
      await secrets.promote('HOOK', 'HOOK:v2');
      await secrets.register('API', 'API:v1');
      await secrets.register('BROKEN', 'BROKEN:v1');
      await secrets.register('PARTNER', 'PARTNER:v1');
      await app.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

      const ts = Math.floor(clock() / 1000);
      const body = JSON.stringify({ n: 1 });
      const send = async (path: string, headers: Record<string, string>, sent = body) => {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-baton-timestamp': String(ts),
            ...headers,
          },
          body: sent,
        });
        bodies.push(`${res.status} ${await res.text()}`);
        res.headers.forEach((value, name) => {
          bodies.push(`${name}: ${value}`);
        });
      };
      const signature = (secret: string, sent = body) => computeSignature(secret, ts, sent);
      await send('/hook', {
        'x-baton-ref': 'HOOK:v2',
        'x-baton-signature': await signature(CANARY_REF_SHAPED),
      });
      await send('/hook', {
        'x-baton-ref': 'HOOK:v1',
        'x-baton-signature': await signature(CANARY),
      });
      await send(
        '/hook',
        { 'x-baton-ref': 'HOOK:v2', 'x-baton-signature': await signature(CANARY_REF_SHAPED) },
        '{"n":2}',
      );
      await send('/hook', { 'x-baton-ref': CANARY, 'x-baton-signature': await signature(CANARY) });
      await send('/hook', { 'x-baton-ref': CANARY_REF_SHAPED, 'x-baton-signature': CANARY });
      await send('/hook', { 'x-baton-ref': 'HOOK:v2', 'x-baton-signature': `v1=${CANARY}` });
      await send('/broken', {
        'x-baton-ref': 'BROKEN:v1',
        'x-baton-signature': await signature('x'),
      });
      // Standard Webhooks: accepted, replayed, and a secret where the id belongs.
      const standard = await secrets.sign('PARTNER', body, { protocol: 'standard-webhooks' });
      await send('/partner', standard);
      await send('/partner', standard);
      await send('/partner', { ...standard, 'webhook-id': CANARY_WHSEC });
      for (const key of [CANARY_KEY, CANARY, `${CANARY_KEY}x`]) {
        for (const ref of ['API:v1', CANARY_KEY]) {
          const res = await fetch(`${url}/api`, {
            headers: { 'x-baton-ref': ref, 'x-baton-key': key },
          });
          bodies.push(`${res.status} ${await res.text()}`);
        }
      }
      await app.close();
    }

    @Module({
      imports: [
        BatonModule.forRoot({
          ...batonOptions,
          secrets: ['HOOK:v1', 'MISSING:v1', CANARY_REF_SHAPED],
        }),
      ],
    })
    class FailingModule {}
    await NestFactory.create(FailingModule, { abortOnError: false }).catch((error: unknown) =>
      errors.push(error),
    );

    expect(bodies.filter((line) => /^\d{3} /.test(line)).map((line) => line.slice(0, 3))).toEqual([
      ...[
        '201',
        '201',
        '401',
        '401',
        '401',
        '401',
        '503',
        '201',
        '401',
        '401',
        '200',
        '401',
        '401',
        '401',
        '401',
        '401',
      ],
      ...[
        '503',
        '503',
        '503',
        '401',
        '401',
        '401',
        '503',
        '503',
        '503',
        '503',
        '200',
        '401',
        '401',
        '401',
        '401',
        '401',
      ],
    ]);
    expect(errors).toHaveLength(1);
    for (const error of errors) output.add(`${(error as Error).name}: ${(error as Error).message}`);
    output.add(bodies);
    output.add(events.map((event) => JSON.stringify(event)));
    output.add(await telemetry.emitted());

    const everything = output.text();
    expect(everything).toContain('"type":"verify_accept"'); // the JSON-lines sink wrote to stdout
    expect(everything).toContain('rawBody: true'); // the misconfiguration was reported
    expectNoSecrets(everything, CANARIES);
  } finally {
    output.restore();
  }
});
