import { createHmac, randomBytes } from 'node:crypto';
import {
  auditCollector,
  captureOutput,
  packageSignedHeaders,
  testSource,
} from '@baton-tools/test-kit';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createBaton } from './baton.js';
import { type HmacEngine, nodeCryptoHmac, webCryptoHmac } from './hmac-engine.js';
import { memoryStore } from './memory-store.js';
import {
  computeWebhookSignature,
  verifyWebhookSignature,
  webhookKey,
} from './standard-webhooks.js';
import { manualClock } from './testing/manual-clock.js';
import type { BodyReadResult } from './verify-request.js';

const HOUR = 3_600_000;
const V1 = `whsec_${randomBytes(32).toString('base64')}`;
const V2 = `whsec_${randomBytes(24).toString('base64')}`;
const BODY = '{"type":"invoice.paid","id":"in_1"}';

async function setup(hmac: HmacEngine, values: Record<string, string> = {}) {
  // standardwebhooks checks timestamps against Date.now(): the Baton's clock starts there.
  const clock = manualClock(Date.now());
  const audit = auditCollector();
  const source = testSource('test', { 'HOOK:v1': V1, 'HOOK:v2': V2, ...values });
  const baton = createBaton({
    sources: [source],
    clock,
    audit: audit.sink,
    registry: { graceMs: HOUR },
    hmac,
  });
  await baton.register('HOOK', 'HOOK:v1');
  const seconds = () => Math.floor(clock() / 1000);
  const verify = (headers: Record<string, string>, body: string = BODY) =>
    baton.verifyRequest({ logical: 'HOOK', protocol: 'standard-webhooks', headers, body });
  return { baton, clock, audit, source, seconds, verify };
}

/** Headers as the standardwebhooks package makes them, at a time on the Baton's clock. */
const theirHeaders = (secret: string, id: string, seconds: number) =>
  packageSignedHeaders(secret, id, BODY, new Date(seconds * 1000));

const engines: [string, HmacEngine][] = [
  ['web-crypto', webCryptoHmac()],
  ['node-crypto', nodeCryptoHmac() as HmacEngine],
];

describe.each(engines)('Standard Webhooks with %s', (_name, hmac) => {
  it('signs messages the standardwebhooks package verifies', async () => {
    const { baton } = await setup(hmac);
    const headers = await baton.sign('HOOK', BODY, { protocol: 'standard-webhooks' });
    expect(headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(V1).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(() => new Webhook(V2).verify(BODY, headers)).toThrow('No matching signature found');
  });

  it('verifies messages the standardwebhooks package signs, and names the id', async () => {
    const { verify, seconds } = await setup(hmac);
    const headers = theirHeaders(V1, 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', seconds());
    expect(await verify(headers)).toEqual({
      ok: true,
      logical: 'HOOK',
      ref: 'HOOK:v1',
      match: 'current',
      id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    });
    expect(await verify(headers, `${BODY} `)).toMatchObject({ reason: 'bad_signature' });
  });

  it('keys a value without whsec_ with its own bytes, as the package’s raw format does', async () => {
    const raw = 'plain-webhook-secret-7f3a';
    const { baton, verify, seconds } = await setup(hmac, { 'RAW:v1': raw });
    await baton.register('RAW', 'RAW:v1');
    const headers = await baton.sign('RAW', BODY, { protocol: 'standard-webhooks' });
    expect(() => new Webhook(raw, { format: 'raw' }).verify(BODY, headers)).not.toThrow();
    const theirs = {
      'webhook-id': 'msg_raw',
      'webhook-timestamp': String(seconds()),
      'webhook-signature': new Webhook(raw, { format: 'raw' }).sign(
        'msg_raw',
        new Date(seconds() * 1000),
        BODY,
      ),
    };
    expect(
      await baton.verifyRequest({
        logical: 'RAW',
        protocol: 'standard-webhooks',
        headers: theirs,
        body: BODY,
      }),
    ).toMatchObject({ ok: true, ref: 'RAW:v1' });
    expect((await verify(theirs)).ok).toBe(false);
  });

  it('signs with both secrets during grace, so receivers on either secret verify', async () => {
    const { baton, clock } = await setup(hmac);
    await baton.promote('HOOK', 'HOOK:v2');
    const headers = await baton.sign('HOOK', BODY, { protocol: 'standard-webhooks' });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(V1).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(V2).verify(BODY, headers)).not.toThrow();
    clock.advance(HOUR);
    // The package checks timestamps on the real clock, which did not move an hour.
    const after = await baton.sign('HOOK', BODY, {
      protocol: 'standard-webhooks',
      timestamp: Math.floor(Date.now() / 1000),
    });
    expect(after['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => new Webhook(V2).verify(BODY, after)).not.toThrow();
  });

  it('accepts a message signed with the previous secret inside grace only', async () => {
    const { baton, verify, clock, seconds } = await setup(hmac);
    await baton.promote('HOOK', 'HOOK:v2');
    expect(await verify(theirHeaders(V1, 'msg_old', seconds()))).toMatchObject({
      ok: true,
      ref: 'HOOK:v1',
      match: 'previous',
    });
    expect(await verify(theirHeaders(V2, 'msg_new', seconds()))).toMatchObject({
      ok: true,
      ref: 'HOOK:v2',
      match: 'current',
    });
    clock.advance(HOUR);
    expect(await verify(theirHeaders(V1, 'msg_late', seconds()))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
      status: 401,
    });
  });

  it('refuses a replay inside the tolerance, accepts the sender’s retry, and forgets once stale', async () => {
    const { baton, verify, clock, seconds, audit } = await setup(hmac);
    const first = theirHeaders(V1, 'msg_replay', seconds());
    expect((await verify(first)).ok).toBe(true);
    expect(await verify(first)).toMatchObject({ ok: false, reason: 'replayed', status: 401 });
    clock.advance(30_000);
    // A retry: same id, fresh timestamp and signature.
    const retry = theirHeaders(V1, 'msg_replay', seconds());
    expect((await verify(retry)).ok).toBe(true);
    expect(await verify(first)).toMatchObject({ reason: 'replayed' });
    expect(await verify(retry)).toMatchObject({ reason: 'replayed' });
    clock.advance(301_000);
    expect(await verify(retry)).toMatchObject({ reason: 'stale_timestamp' });
    await baton.flush();
    expect(audit.events.filter((event) => event.reason === 'replayed')).toHaveLength(3);
  });

  it('checks every header and the registry before reading the body', async () => {
    const { baton, seconds } = await setup(hmac);
    let reads = 0;
    const body = (): BodyReadResult => {
      reads++;
      return { kind: 'read', body: BODY };
    };
    const good = theirHeaders(V1, 'msg_headers', seconds());
    const cases: [Record<string, string>, string, string?][] = [
      [{ ...good, 'webhook-id': '' }, 'malformed_id'],
      [{ ...good, 'webhook-id': 'msg.with.dots' }, 'malformed_id'],
      [{ 'webhook-timestamp': good['webhook-timestamp'], 'webhook-signature': 'x' }, 'missing_id'],
      [{ ...good, 'webhook-timestamp': 'soon' }, 'malformed_timestamp'],
      [{ ...good, 'webhook-timestamp': String(seconds() - 301) }, 'stale_timestamp'],
      [{ 'webhook-id': 'a', 'webhook-timestamp': String(seconds()) }, 'missing_signature'],
      [{ ...good, 'webhook-signature': 'v1a,abc v2,xyz' }, 'malformed_signature'],
      [{ ...good, 'webhook-signature': `v1,${'A'.repeat(2000)}` }, 'malformed_signature'],
      [good, 'no_entry', 'OTHER'],
    ];
    for (const [headers, reason, logical = 'HOOK'] of cases) {
      const result = await baton.verifyRequest({
        logical,
        protocol: 'standard-webhooks',
        headers,
        body,
      });
      expect(result, reason).toMatchObject({ ok: false, reason, status: 401 });
    }
    expect(reads).toBe(0);
    expect(
      await baton.verifyRequest({
        logical: 'HOOK',
        protocol: 'standard-webhooks',
        headers: good,
        body,
      }),
    ).toMatchObject({ ok: true });
    expect(reads).toBe(1);
  });

  it('accepts when any of several signatures verifies, skipping other schemes', async () => {
    const { verify, seconds } = await setup(hmac);
    const headers = theirHeaders(V1, 'msg_many', seconds());
    const stranger = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
    headers['webhook-signature'] = [
      'v1a,aGVsbG8=',
      stranger.sign('msg_many', new Date(seconds() * 1000), BODY),
      headers['webhook-signature'],
    ].join(' ');
    expect((await verify(headers)).ok).toBe(true);
  });

  it('answers 503 for a whsec_ secret that is not base64, saying so in the log', async () => {
    const output = captureOutput();
    try {
      const { baton, seconds } = await setup(hmac, { 'BROKEN:v1': 'whsec_not*base64' });
      await baton.register('BROKEN', 'BROKEN:v1');
      const headers = theirHeaders(V1, 'msg_broken', seconds());
      expect(
        await baton.verifyRequest({
          logical: 'BROKEN',
          protocol: 'standard-webhooks',
          headers,
          body: BODY,
        }),
      ).toMatchObject({ ok: false, reason: 'secret_unavailable', status: 503 });
      await expect(baton.sign('BROKEN', BODY, { protocol: 'standard-webhooks' })).rejects.toThrow(
        'sign: the secret of BROKEN:v1 is no Standard Webhooks key',
      );
    } finally {
      output.restore();
    }
    expect(output.text()).toContain(
      'the secret of BROKEN:v1 starts with whsec_ but the rest is not base64',
    );
    expect(output.text()).not.toContain('not*base64');
  });

  it('takes signature proof only', async () => {
    const { baton } = await setup(hmac);
    await expect(
      baton.verifyRequest({
        logical: 'HOOK',
        protocol: 'standard-webhooks',
        proof: 'value',
        headers: {},
      }),
    ).rejects.toThrow("protocol 'standard-webhooks' takes proof 'signature' only");
    await expect(
      baton.verifyRequest({ logical: 'HOOK', protocol: 'svix' as 'baton', headers: {} }),
    ).rejects.toThrow("protocol must be 'baton' or 'standard-webhooks'");
  });
});

describe('replay protection shared through the registry store', () => {
  it('refuses a message already delivered to another Baton on the same store', async () => {
    const store = memoryStore();
    const make = () =>
      createBaton({
        sources: [testSource('test', { 'HOOK:v1': V1 })],
        registry: { store },
        replay: { scope: 'store' },
        audit: false,
      });
    const [one, two] = [make(), make()];
    await one.register('HOOK', 'HOOK:v1');
    const headers = await one.sign('HOOK', BODY, { protocol: 'standard-webhooks' });
    const input = { logical: 'HOOK', protocol: 'standard-webhooks' as const, headers, body: BODY };
    expect((await one.verifyRequest(input)).ok).toBe(true);
    expect(await two.verifyRequest(input)).toMatchObject({ ok: false, reason: 'replayed' });
    // Per process (the default), the other Baton would not know.
    const alone = createBaton({
      sources: [testSource('t', { 'HOOK:v1': V1 })],
      registry: { store },
      audit: false,
    });
    expect((await alone.verifyRequest(input)).ok).toBe(true);
  });

  it('needs a store that shares replay records, and can be turned off', async () => {
    const store = { ...memoryStore(), name: 'custom', claimDelivery: undefined };
    expect(() => createBaton({ registry: { store }, replay: { scope: 'store' } })).toThrow(
      `replay.scope 'store' needs a registry store that shares replay records (memoryStore() does; "custom" does not): use scope 'process'`,
    );
    const baton = createBaton({
      sources: [testSource('test', { 'HOOK:v1': V1 })],
      replay: false,
      audit: false,
    });
    await baton.register('HOOK', 'HOOK:v1');
    const headers = await baton.sign('HOOK', BODY, { protocol: 'standard-webhooks' });
    const input = { logical: 'HOOK', protocol: 'standard-webhooks' as const, headers, body: BODY };
    expect((await baton.verifyRequest(input)).ok).toBe(true);
    expect((await baton.verifyRequest(input)).ok).toBe(true);
  });
});

describe('the Standard Webhooks primitives', () => {
  it('decode whsec_ keys and match the package byte for byte', async () => {
    expect(webhookKey(V1)).toEqual(new Uint8Array(Buffer.from(V1.slice(6), 'base64')));
    expect(webhookKey('whsec_***')).toBeUndefined();
    const seconds = 1_700_000_000;
    const ours = await computeWebhookSignature(V1, 'msg_1', seconds, BODY);
    expect(ours).toBe(new Webhook(V1).sign('msg_1', new Date(seconds * 1000), BODY));
    const expected = createHmac('sha256', Buffer.from(V1.slice(6), 'base64'))
      .update(`msg_1.${seconds}.${BODY}`)
      .digest('base64');
    expect(ours).toBe(`v1,${expected}`);
    expect(await verifyWebhookSignature(V1, 'msg_1', seconds, BODY, `v1,x ${ours}`)).toBe(true);
    expect(await verifyWebhookSignature(V2, 'msg_1', seconds, BODY, ours)).toBe(false);
    await expect(computeWebhookSignature(V1, 'msg.1', seconds, BODY)).rejects.toThrow(
      'the id must be 1 to 256 printable ASCII characters without spaces or "."',
    );
  });
});
