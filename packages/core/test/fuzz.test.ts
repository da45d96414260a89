/**
 * Hostile requests against verifyRequest, in process, in both protocols: whatever the headers
 * and body, it answers (never throws), accepts exactly the correctly signed requests, and
 * refuses everything else.
 */
import { hostileRequests, hostileWebhookRequests } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { createBaton, defaultsSource, nodeCryptoHmac, webCryptoHmac } from '../src/index.js';
import { manualClock } from '../src/testing/index.js';

describe.each([
  ['node-crypto', nodeCryptoHmac()],
  ['web-crypto', webCryptoHmac()],
])('verifyRequest under hostile input (%s)', (_name, hmac) => {
  it('accepts exactly the correctly signed requests, and never throws', async () => {
    const clock = manualClock();
    const secret = 'fuzz-secret-value-41';
    const baton = createBaton({
      sources: [defaultsSource({ 'HOOK:v1': secret })],
      clock,
      audit: false,
      ...(hmac === undefined ? {} : { hmac }),
    });
    await baton.register('HOOK', 'HOOK:v1');
    const now = Math.floor(clock() / 1000);
    let accepted = 0;
    for (const request of hostileRequests({
      ref: 'HOOK:v1',
      secret,
      now,
      count: 3000,
      seed: 20261129,
    })) {
      const result = await baton.verifyRequest({
        logical: 'HOOK',
        headers: request.headers,
        body: request.body,
      });
      expect(result.ok, JSON.stringify(request.headers)).toBe(request.valid);
      if (!result.ok) expect(result.status).toBe(401);
      if (result.ok) accepted++;
    }
    // The generator makes both kinds in numbers.
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(2900);
  });
});

describe.each([
  ['node-crypto', nodeCryptoHmac()],
  ['web-crypto', webCryptoHmac()],
])('verifyRequest with Standard Webhooks under hostile input (%s)', (_name, hmac) => {
  it('accepts exactly the correctly signed requests, and never throws', async () => {
    const clock = manualClock();
    const secret = `whsec_${Buffer.from('fuzz-webhook-secret-bytes-77').toString('base64')}`;
    const baton = createBaton({
      sources: [defaultsSource({ 'HOOK:v1': secret })],
      clock,
      audit: false,
      ...(hmac === undefined ? {} : { hmac }),
    });
    await baton.register('HOOK', 'HOOK:v1');
    let accepted = 0;
    for (const request of hostileWebhookRequests({
      secret,
      now: Math.floor(clock() / 1000),
      count: 3000,
      seed: 20261130,
    })) {
      const result = await baton.verifyRequest({
        logical: 'HOOK',
        protocol: 'standard-webhooks',
        headers: request.headers,
        body: request.body,
      });
      expect(result.ok, JSON.stringify(request.headers)).toBe(request.valid);
      if (!result.ok) expect(result.status).toBe(401);
      if (result.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(2900);
  });
});
