/**
 * A rotator of your own, for an API vendor's key endpoint: create asks the vendor for a key,
 * test calls the vendor with it. The old key is never revoked by the rotation: that is a
 * separate step, once its grace window is over.
 */
import { createBaton, defaultsSource } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rotator, RotatorError, rotate } from '../src/index.js';
import { memorySource } from './support/memory-source.js';
import { startVendorApi } from './support/vendor-api.js';

const ADMIN_TOKEN = 'vendor-admin-token-for-tests';
let vendor: Awaited<ReturnType<typeof startVendorApi>>;

beforeAll(async () => {
  vendor = await startVendorApi(ADMIN_TOKEN);
});

afterAll(async () => {
  await vendor?.close();
});

/** The rotator of the rotation guide, pointed at the local vendor. */
function vendorKey(baseUrl: string): Rotator {
  return {
    name: 'vendorKey',
    async create(ctx) {
      const admin = await ctx.baton.getSecret('VENDOR_ADMIN_TOKEN');
      const response = await fetch(`${baseUrl}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
      });
      if (response.status !== 201)
        throw new RotatorError(`the vendor made no key (HTTP ${response.status})`);
      return ((await response.json()) as { key: string }).key;
    },
    async test(ctx) {
      const response = await fetch(`${baseUrl}/v1/me`, {
        headers: { authorization: `Bearer ${ctx.pendingValue}` },
      });
      if (!response.ok)
        throw new RotatorError(`the vendor refused the new key (HTTP ${response.status})`);
    },
  };
}

async function works(key: string): Promise<boolean> {
  const response = await fetch(`${vendor.url}/v1/me`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return response.ok;
}

describe('a vendor key rotator (your own)', () => {
  it('makes a key at the vendor, proves it works, and leaves the old key working', async () => {
    const first = await fetch(`${vendor.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { key: v1 } = (await first.json()) as { key: string };
    const source = memorySource({ values: { 'VENDOR_KEY:v1': v1 } });
    const baton = createBaton({
      sources: [defaultsSource({ VENDOR_ADMIN_TOKEN: ADMIN_TOKEN }), source],
      audit: false,
    });
    await baton.register('VENDOR_KEY', 'VENDOR_KEY:v1');

    const result = await rotate(baton, 'VENDOR_KEY', { rotator: vendorKey(vendor.url), source });

    expect(result).toMatchObject({ status: 'rotated', toRef: 'VENDOR_KEY:v2' });
    const v2 = await baton.getSecret('VENDOR_KEY:v2');
    expect(v2).toMatch(/^vk_live_/);
    expect(await works(v2)).toBe(true);
    expect(await works(v1)).toBe(true);
  });

  it('fails at create, writing nothing, when the vendor refuses to make a key', async () => {
    const source = memorySource({ values: { 'VENDOR_KEY:v1': 'vk_live_old' } });
    const baton = createBaton({
      sources: [defaultsSource({ VENDOR_ADMIN_TOKEN: 'a-revoked-admin-token' }), source],
      audit: false,
    });
    await baton.register('VENDOR_KEY', 'VENDOR_KEY:v1');
    const made = vendor.created;

    const result = await rotate(baton, 'VENDOR_KEY', { rotator: vendorKey(vendor.url), source });

    expect(result).toMatchObject({ status: 'failed', step: 'create' });
    expect(result.error?.message).toBe(
      'Rotation of VENDOR_KEY to VENDOR_KEY:v2 failed at create: the vendor made no key (HTTP 401)',
    );
    expect(source.writes).toEqual([]);
    expect(vendor.created).toBe(made);
    expect(baton.status('VENDOR_KEY')?.currentRef).toBe('VENDOR_KEY:v1');
  });
});
