import { createHmac } from 'node:crypto';
import { auditCollector, testSource } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { createBaton } from './baton.js';
import { type HmacEngine, nodeCryptoHmac, webCryptoHmac } from './hmac-engine.js';
import { memoryStore } from './memory-store.js';
import type { SecretSource } from './source.js';
import { manualClock } from './testing/manual-clock.js';

const HOUR = 3_600_000;

async function setup(hmac: HmacEngine) {
  const clock = manualClock(Date.UTC(2030, 0, 1));
  const audit = auditCollector();
  const source = testSource('test', {
    'HOOK:v1': 'secret-one',
    'HOOK:v2': 'secret-two',
    'API:v1': 'key-one',
  });
  const baton = createBaton({
    sources: [source],
    clock,
    audit: audit.sink,
    registry: { graceMs: HOUR },
    hmac,
  });
  await baton.register('HOOK', 'HOOK:v1');
  await baton.register('API', 'API:v1');
  const seconds = () => Math.floor(clock() / 1000);
  return { baton, clock, audit, source, seconds };
}

function signed(secret: string, ref: string, timestamp: number, body: string) {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return {
    'x-baton-ref': ref,
    'x-baton-timestamp': String(timestamp),
    'x-baton-signature': `v1=${signature}`,
  };
}

const engines: [string, HmacEngine][] = [
  ['web-crypto', webCryptoHmac()],
  ['node-crypto', nodeCryptoHmac() as HmacEngine],
];

describe.each(engines)('with %s', (_name, hmac) => {
  it('accepts the right key after concurrent first comparisons on a cold, slow source', async () => {
    let reads = 0;
    const slow: SecretSource = {
      name: 'slow',
      async get() {
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return 'the-api-key';
      },
    };
    const baton = createBaton({ sources: [slow], audit: false, hmac });
    await baton.register('API', 'API:v1');
    const attempt = (key: string) =>
      baton.verifyRequest({
        logical: 'API',
        proof: 'value',
        headers: { 'x-baton-ref': 'API:v1', 'x-baton-key': key },
      });
    const first = await Promise.all([attempt('wrong-one'), attempt('wrong-two'), attempt('x')]);
    expect(first.map((result) => result.ok)).toEqual([false, false, false]);
    expect(await attempt('the-api-key')).toMatchObject({ ok: true });
    expect(reads).toBe(1);
  });

  describe('signature proof', () => {
    it('accepts a request signed with the current ref, from a Fetch Headers object too', async () => {
      const { baton, seconds } = await setup(hmac);
      const headers = signed('secret-one', 'HOOK:v1', seconds(), '{"a":1}');
      expect(await baton.verifyRequest({ logical: 'HOOK', headers, body: '{"a":1}' })).toEqual({
        ok: true,
        logical: 'HOOK',
        ref: 'HOOK:v1',
        match: 'current',
      });
      const result = await baton.verifyRequest({
        logical: 'HOOK',
        headers: new Headers(headers),
        body: new TextEncoder().encode('{"a":1}'),
      });
      expect(result.ok).toBe(true);
    });

    it('accepts the previous ref within grace after a promotion, and not after', async () => {
      const { baton, clock, seconds } = await setup(hmac);
      await baton.promote('HOOK', 'HOOK:v2');
      const oldSender = () => signed('secret-one', 'HOOK:v1', seconds(), 'x');
      expect(
        await baton.verifyRequest({ logical: 'HOOK', headers: oldSender(), body: 'x' }),
      ).toMatchObject({
        ok: true,
        match: 'previous',
      });
      clock.advance(HOUR);
      expect(
        await baton.verifyRequest({ logical: 'HOOK', headers: oldSender(), body: 'x' }),
      ).toEqual({
        ok: false,
        reason: 'previous_expired',
        status: 401,
      });
      const newSender = signed('secret-two', 'HOOK:v2', seconds(), 'x');
      expect(
        (await baton.verifyRequest({ logical: 'HOOK', headers: newSender, body: 'x' })).ok,
      ).toBe(true);
    });

    it('rejects a tampered body, a signature made with another ref’s secret, and a timestamp outside tolerance', async () => {
      const { baton, seconds } = await setup(hmac);
      await baton.promote('HOOK', 'HOOK:v2');
      const reason = async (headers: Record<string, string>, body = 'x', toleranceSec?: number) => {
        const result = await baton.verifyRequest({
          logical: 'HOOK',
          headers,
          body,
          ...(toleranceSec ? { toleranceSec } : {}),
        });
        return result.ok ? 'accepted' : result.reason;
      };
      expect(await reason(signed('secret-one', 'HOOK:v1', seconds(), 'x'), 'y')).toBe(
        'bad_signature',
      );
      expect(await reason(signed('secret-one', 'HOOK:v2', seconds(), 'x'))).toBe('bad_signature');
      expect(await reason(signed('secret-two', 'HOOK:v2', seconds() - 301, 'x'))).toBe(
        'stale_timestamp',
      );
      expect(await reason(signed('secret-two', 'HOOK:v2', seconds() + 301, 'x'))).toBe(
        'stale_timestamp',
      );
      expect(await reason(signed('secret-two', 'HOOK:v2', seconds() - 300, 'x'))).toBe('accepted');
      expect(await reason(signed('secret-two', 'HOOK:v2', seconds() - 30, 'x'), 'x', 10)).toBe(
        'stale_timestamp',
      );
    });

    it('signs a message id with the body and refuses its replay, while senders without one still verify', async () => {
      const { baton, seconds } = await setup(hmac);
      const body = '{"a":1}';
      const headers = await baton.sign('HOOK', body, { id: 'evt_42' });
      const mac = createHmac('sha256', 'secret-one')
        .update(`evt_42.${seconds()}.${body}`)
        .digest('hex');
      expect(headers).toEqual({
        'x-baton-ref': 'HOOK:v1',
        'x-baton-timestamp': String(seconds()),
        'x-baton-signature': `v1=${mac}`,
        'x-baton-id': 'evt_42',
      });
      const verify = (presented: Record<string, string>) =>
        baton.verifyRequest({ logical: 'HOOK', headers: presented, body });
      expect(await verify(headers)).toEqual({
        ok: true,
        logical: 'HOOK',
        ref: 'HOOK:v1',
        match: 'current',
        id: 'evt_42',
      });
      expect(await verify(headers)).toMatchObject({ ok: false, reason: 'replayed', status: 401 });

      const withoutId = signed('secret-one', 'HOOK:v1', seconds(), body);
      expect((await verify(withoutId)).ok).toBe(true);
      expect((await verify(withoutId)).ok).toBe(true);
      // The id is signed: it can be neither dropped nor added.
      const { 'x-baton-id': _dropped, ...stripped } = headers;
      expect(await verify(stripped)).toMatchObject({ reason: 'bad_signature' });
      expect(await verify({ ...withoutId, 'x-baton-id': 'evt_43' })).toMatchObject({
        reason: 'bad_signature',
      });
      for (const id of ['12345', 'evt.1', 'a'.repeat(129), '']) {
        expect(await verify({ ...headers, 'x-baton-id': id })).toMatchObject({
          reason: 'malformed_id',
        });
      }
      await expect(baton.sign('HOOK', body, { id: '1700000000' })).rejects.toThrow(
        'sign: id must be 1 to 128 letters, digits, "_" or "-", and not only digits',
      );
    });

    it('names what is missing or malformed in each header', async () => {
      const { baton, seconds } = await setup(hmac);
      const good = signed('secret-one', 'HOOK:v1', seconds(), '');
      const cases: [Record<string, string | string[]>, string][] = [
        [{}, 'missing_ref'],
        [{ ...good, 'x-baton-ref': 'HOOK:v1; drop table' }, 'malformed'],
        [{ ...good, 'x-baton-ref': 'H'.repeat(10_000) }, 'malformed'],
        [{ ...good, 'x-baton-ref': 'NOPE:v1' }, 'no_match'],
        [
          { 'x-baton-ref': 'HOOK:v1', 'x-baton-signature': good['x-baton-signature'] },
          'missing_timestamp',
        ],
        [{ ...good, 'x-baton-timestamp': '12.5' }, 'malformed_timestamp'],
        [{ ...good, 'x-baton-timestamp': '9'.repeat(40) }, 'malformed_timestamp'],
        [
          { 'x-baton-ref': 'HOOK:v1', 'x-baton-timestamp': good['x-baton-timestamp'] },
          'missing_signature',
        ],
        [{ ...good, 'x-baton-signature': 'sha256=abc' }, 'malformed_signature'],
        [{ ...good, 'x-baton-signature': `v1=${'z'.repeat(64)}` }, 'malformed_signature'],
        [{ ...good, 'x-baton-ref': ['HOOK:v1', 'HOOK:v1'] }, 'missing_ref'],
      ];
      for (const [headers, reason] of cases) {
        expect(await baton.verifyRequest({ logical: 'HOOK', headers })).toEqual({
          ok: false,
          reason,
          status: 401,
        });
      }
      expect(await baton.verifyRequest({ logical: 'UNREGISTERED', headers: good })).toMatchObject({
        reason: 'no_entry',
      });
    });

    it('answers 503 when the secret of an accepted ref cannot be read', async () => {
      const { baton, source, seconds } = await setup(hmac);
      const headers = signed('secret-one', 'HOOK:v1', seconds(), 'x');
      source.failWith = new Error('provider down');
      expect(await baton.verifyRequest({ logical: 'HOOK', headers, body: 'x' })).toEqual({
        ok: false,
        reason: 'secret_unavailable',
        status: 503,
      });
    });

    it('records one audit event per decision, with the reason', async () => {
      const { baton, audit, seconds } = await setup(hmac);
      await baton.flush();
      audit.events.length = 0;
      await baton.verifyRequest({
        logical: 'HOOK',
        headers: signed('secret-one', 'HOOK:v1', seconds(), 'x'),
        body: 'x',
      });
      await baton.verifyRequest({
        logical: 'HOOK',
        headers: signed('wrong', 'HOOK:v1', seconds(), 'x'),
        body: 'x',
      });
      await baton.flush();
      expect(audit.events.map(({ at, ...event }) => event)).toEqual([
        { type: 'secret_read', logical: 'HOOK', ref: 'HOOK:v1', source: 'test' },
        { type: 'verify_accept', logical: 'HOOK', ref: 'HOOK:v1', match: 'current' },
        {
          type: 'verify_reject',
          logical: 'HOOK',
          reason: 'bad_signature',
          presentedRef: 'HOOK:v1',
        },
      ]);
    });
  });

  describe('reading the body', () => {
    it('reads it only once the headers pass, so a request presenting nothing is refused unread', async () => {
      const { baton, seconds } = await setup(hmac);
      let reads = 0;
      const body = () => {
        reads++;
        return { kind: 'read' as const, body: 'x' };
      };
      const good = signed('secret-one', 'HOOK:v1', seconds(), 'x');
      const refused = [
        {},
        { ...good, 'x-baton-ref': 'OTHER:v1' },
        { ...good, 'x-baton-timestamp': 'soon' },
        { ...good, 'x-baton-timestamp': String(seconds() - 3600) },
        { ...good, 'x-baton-signature': 'v1=zz' },
        { 'x-baton-ref': 'HOOK:v1', 'x-baton-timestamp': String(seconds()) },
      ];
      for (const headers of refused) {
        expect(await baton.verifyRequest({ logical: 'HOOK', headers, body })).toMatchObject({
          ok: false,
          status: 401,
        });
      }
      expect(reads).toBe(0);
      expect(await baton.verifyRequest({ logical: 'HOOK', headers: good, body })).toMatchObject({
        ok: true,
      });
      expect(reads).toBe(1);
    });

    it('answers 413 for a body over the limit, 503 for a consumed one, each audited', async () => {
      const { baton, audit, seconds } = await setup(hmac);
      const headers = signed('secret-one', 'HOOK:v1', seconds(), 'x');
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (line: string) => warnings.push(line);
      try {
        expect(
          await baton.verifyRequest({
            logical: 'HOOK',
            headers,
            body: () => ({ kind: 'too_large' }),
          }),
        ).toEqual({ ok: false, reason: 'body_too_large', status: 413 });
        for (let attempt = 0; attempt < 3; attempt++) {
          expect(
            await baton.verifyRequest({
              logical: 'HOOK',
              headers,
              body: async () => ({ kind: 'consumed', fix: 'Mount it first.' }),
            }),
          ).toEqual({ ok: false, reason: 'body_consumed', status: 503 });
        }
      } finally {
        console.warn = warn;
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /a body parser consumed the raw body before verification.* Mount it first\. Until then/,
      );
      await baton.flush();
      expect(
        audit.events.filter((event) => event.type === 'verify_reject').map((event) => event.reason),
      ).toEqual(['body_too_large', 'body_consumed', 'body_consumed', 'body_consumed']);
    });
  });

  describe('when the server cannot decide', () => {
    it('answers 503 registry_unavailable, audited and logged at most once a minute, and recovers', async () => {
      const clock = manualClock(Date.UTC(2030, 0, 1));
      const audit = auditCollector();
      const down = new Error('connect ECONNREFUSED');
      let failing = true;
      const inner = memoryStore();
      await inner.apply(
        { kind: 'register', logical: 'HOOK', currentRef: 'HOOK:v1' },
        new Date(clock()),
      );
      const store = {
        name: 'remote',
        load: () => (failing ? Promise.reject(down) : inner.load()),
        apply: inner.apply,
      };
      const baton = createBaton({
        sources: [testSource('test', { 'HOOK:v1': 'secret-one' })],
        registry: { store },
        clock,
        audit: audit.sink,
        hmac,
      });
      const headers = () => signed('secret-one', 'HOOK:v1', Math.floor(clock() / 1000), 'x');
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (line: string) => warnings.push(line);
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          expect(
            await baton.verifyRequest({ logical: 'HOOK', headers: headers(), body: 'x' }),
          ).toEqual({ ok: false, reason: 'registry_unavailable', status: 503 });
        }
        clock.advance(60_000);
        await baton.verifyRequest({ logical: 'HOOK', headers: headers(), body: 'x' });
        failing = false;
        expect(
          await baton.verifyRequest({ logical: 'HOOK', headers: headers(), body: 'x' }),
        ).toMatchObject({ ok: true, ref: 'HOOK:v1' });
      } finally {
        console.warn = warn;
      }
      expect(warnings).toEqual([
        expect.stringMatching(
          /request for HOOK with 503: the registry could not be loaded: Registry store "remote": could not load the registry/,
        ),
        expect.stringMatching(/could not load the registry.*\(2 more since the last report\)$/),
      ]);
      await baton.flush();
      expect(
        audit.events.filter((event) => event.type === 'verify_reject').map((event) => event.reason),
      ).toEqual(Array(4).fill('registry_unavailable'));
    });

    it('never uses an empty value as a key: the source counts as absent', async () => {
      const baton = createBaton({
        sources: [{ name: 'blank', get: async () => '' }],
        audit: false,
        hmac,
      });
      await baton.register('API', 'API:v1');
      const result = await baton.verifyRequest({
        logical: 'API',
        proof: 'value',
        headers: { 'x-baton-ref': 'API:v1', 'x-baton-key': '' },
      });
      expect(result).toMatchObject({ ok: false, reason: 'missing_key' });
      const withKey = await baton.verifyRequest({
        logical: 'API',
        proof: 'value',
        headers: { 'x-baton-ref': 'API:v1', 'x-baton-key': 'anything' },
      });
      expect(withKey).toEqual({ ok: false, reason: 'secret_unavailable', status: 503 });
      await expect(baton.getSecret('API:v1')).rejects.toMatchObject({ code: 'BATON_NOT_FOUND' });
    });
  });

  describe('value proof', () => {
    it('compares the presented key with the accepted ref’s value', async () => {
      const { baton } = await setup(hmac);
      const check = (key: string | undefined, ref = 'API:v1') =>
        baton.verifyRequest({
          logical: 'API',
          proof: 'value',
          headers:
            key === undefined ? { 'x-baton-ref': ref } : { 'x-baton-ref': ref, 'x-baton-key': key },
        });
      expect(await check('key-one')).toMatchObject({ ok: true, ref: 'API:v1', match: 'current' });
      expect(await check('key-one ')).toMatchObject({ ok: false, reason: 'bad_key' });
      expect(await check('')).toMatchObject({ ok: false, reason: 'missing_key' });
      expect(await check(undefined)).toMatchObject({ ok: false, reason: 'missing_key' });
      expect(await check('k'.repeat(5000))).toMatchObject({ ok: false, reason: 'malformed_key' });
    });
  });

  describe('options', () => {
    it('refuses a tolerance that is not a non-negative number, which would accept any timestamp', async () => {
      const { baton, seconds } = await setup(hmac);
      const headers = signed('secret-one', 'HOOK:v1', seconds() - 10_000, 'x');
      for (const toleranceSec of [
        Number.NaN,
        -1,
        Number.POSITIVE_INFINITY,
        '300' as unknown as number,
      ]) {
        await expect(
          baton.verifyRequest({ logical: 'HOOK', headers, body: 'x', toleranceSec }),
        ).rejects.toMatchObject({ code: 'BATON_CONFIG' });
      }
    });
  });

  describe('proof none', () => {
    it('checks the ref alone, only when chosen', async () => {
      const { baton } = await setup(hmac);
      expect(
        await baton.verifyRequest({
          logical: 'API',
          proof: 'none',
          headers: { 'x-baton-ref': 'API:v1' },
        }),
      ).toMatchObject({
        ok: true,
      });
      expect(
        await baton.verifyRequest({ logical: 'API', headers: { 'x-baton-ref': 'API:v1' } }),
      ).toMatchObject({
        ok: false,
        reason: 'missing_timestamp',
      });
      await expect(
        baton.verifyRequest({
          logical: 'API',
          proof: 'hmac' as 'none',
          headers: { 'x-baton-ref': 'API:v1' },
        }),
      ).rejects.toMatchObject({ code: 'BATON_CONFIG' });
    });
  });

  describe('sign', () => {
    it('produces the headers a verifier accepts, with the current ref', async () => {
      const { baton, seconds } = await setup(hmac);
      await baton.promote('HOOK', 'HOOK:v2');
      const headers = await baton.sign('HOOK', '{"b":2}');
      expect(headers).toEqual(signed('secret-two', 'HOOK:v2', seconds(), '{"b":2}'));
      expect((await baton.verifyRequest({ logical: 'HOOK', headers, body: '{"b":2}' })).ok).toBe(
        true,
      );
      const old = await baton.sign('HOOK', 'z', { ref: 'HOOK:v1', timestamp: 7 });
      expect(old['x-baton-ref']).toBe('HOOK:v1');
      expect(old['x-baton-timestamp']).toBe('7');
      await expect(baton.sign('UNKNOWN', 'x')).rejects.toMatchObject({ code: 'BATON_NO_ENTRY' });
    });
  });
});
