import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { envSource } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { auditCollector, packageSignedHeaders } from '@baton-tools/test-kit';
import { Body, Controller, type INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatonModule,
  BatonRef,
  SecretsService,
  type VerifiedRef,
  VerifyRef,
} from '../src/index.js';
import { HOUR, recordingLogger } from './fixtures.js';

const ENV = {
  PARTNER_HOOK_V1: `whsec_${randomBytes(32).toString('base64')}`,
  PARTNER_HOOK_V2: `whsec_${randomBytes(32).toString('base64')}`,
};
const EVENT = { type: 'order.shipped', id: 'ord_9' };
const BODY = JSON.stringify(EVENT);

@Controller()
class PartnerController {
  @Post('partner')
  @VerifyRef('PARTNER_HOOK', { protocol: 'standard-webhooks' })
  receive(@Body() event: unknown, @BatonRef() caller: VerifiedRef) {
    return { event, caller };
  }
}

// standardwebhooks checks timestamps on Date.now(): the Baton's clock starts there.
const clock = manualClock(Date.now());
const audit = auditCollector();
let app: INestApplication;
let url: string;
let secrets: SecretsService;
let theirServer: Server;
let theirUrl: string;

beforeAll(async () => {
  @Module({
    imports: [
      BatonModule.forRoot({
        isGlobal: true,
        sources: [envSource({ env: ENV })],
        clock,
        audit: audit.sink,
        registry: { graceMs: HOUR },
      }),
    ],
    controllers: [PartnerController],
  })
  class AppModule {}
  app = await NestFactory.create(AppModule, { rawBody: true, logger: recordingLogger() });
  secrets = app.get(SecretsService);
  await secrets.register('PARTNER_HOOK', 'PARTNER_HOOK:v1');
  await app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

  // A partner's receiver on the standardwebhooks package, holding the v1 secret.
  theirServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const event = new Webhook(ENV.PARTNER_HOOK_V1).verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        );
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(event));
      } catch (error) {
        res.writeHead(400).end((error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => theirServer.listen(0, '127.0.0.1', resolve));
  theirUrl = `http://127.0.0.1:${(theirServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  await new Promise((resolve) => theirServer.close(resolve));
});

const packageHeaders = (secret: string, id: string) => packageSignedHeaders(secret, id, BODY);

const post = (target: string, headers: Record<string, string>) =>
  fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: BODY,
  });

describe('@VerifyRef with the Standard Webhooks protocol, through NestFactory on a real port', () => {
  it('accepts a message the standardwebhooks package signed; @BatonRef carries the id', async () => {
    const res = await post(`${url}/partner`, packageHeaders(ENV.PARTNER_HOOK_V1, 'msg_nest_1'));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      event: EVENT,
      caller: {
        logical: 'PARTNER_HOOK',
        ref: 'PARTNER_HOOK:v1',
        match: 'current',
        id: 'msg_nest_1',
      },
    });
  });

  it('sends, through SecretsService, messages the standardwebhooks package verifies', async () => {
    const headers = await secrets.sign('PARTNER_HOOK', BODY, { protocol: 'standard-webhooks' });
    const res = await post(theirUrl, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(EVENT);
  });

  it('answers a replay with 401 {"error":"unauthorized"}, audited as replayed', async () => {
    const headers = packageHeaders(ENV.PARTNER_HOOK_V1, 'msg_nest_replay');
    expect((await post(`${url}/partner`, headers)).status).toBe(201);
    const replay = await post(`${url}/partner`, headers);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toBe('{"error":"unauthorized"}');
    await secrets.flush();
    expect(audit.events.at(-1)).toMatchObject({ type: 'verify_reject', reason: 'replayed' });
  });

  it('keeps the partner who has not rotated verifying, and accepts its old signatures in grace', async () => {
    await secrets.promote('PARTNER_HOOK', 'PARTNER_HOOK:v2');
    const headers = await secrets.sign('PARTNER_HOOK', BODY, { protocol: 'standard-webhooks' });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect((await post(theirUrl, headers)).status).toBe(200);
    const old = await post(`${url}/partner`, packageHeaders(ENV.PARTNER_HOOK_V1, 'msg_nest_old'));
    expect((await old.json()).caller).toMatchObject({ ref: 'PARTNER_HOOK:v1', match: 'previous' });
    clock.advance(HOUR);
    const late = await post(`${url}/partner`, packageHeaders(ENV.PARTNER_HOOK_V1, 'msg_nest_late'));
    expect(late.status).toBe(401);
  });

  it('refuses a protocol that does not take the proof, when the class is declared', () => {
    expect(() =>
      VerifyRef('PARTNER_HOOK', { protocol: 'standard-webhooks', proof: 'value' }),
    ).toThrow("@VerifyRef: protocol 'standard-webhooks' takes proof 'signature' only");
  });
});
