import { recordingTelemetry, testSource } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { createBaton } from './baton.js';
import { manualClock } from './testing/manual-clock.js';

describe('telemetry', () => {
  it('records the fixed instruments with their attributes under the @baton/core scope', async () => {
    const telemetry = recordingTelemetry();
    const source = testSource('vault', { 'K:v1': 'secret-value' });
    const baton = createBaton({
      sources: [source],
      clock: manualClock(),
      audit: false,
      telemetry: telemetry.options,
    });
    await baton.register('K', 'K:v1');
    await baton.promote('K', 'K:v2');
    baton.verifyRef('K', 'K:v1');
    baton.verifyRef('K', 'K:v9');
    baton.verifyRef('K', 'K:v2');
    await baton.getSecret('K:v1');
    await baton.getSecret('K:v1');
    await baton.getSecret('MISSING').catch(() => {});

    expect(await telemetry.scopes()).toEqual(['@baton/core']);
    const points = await telemetry.points();
    const find = (name: string, attributes: Record<string, unknown>) =>
      points.find(
        (point) =>
          point.name === name &&
          Object.entries(attributes).every(([k, v]) => point.attributes[k] === v),
      )?.value;

    expect(
      find('baton.verify', {
        'baton.logical': 'K',
        'baton.outcome': 'accept',
        'baton.match': 'previous',
      }),
    ).toBe(1);
    expect(
      find('baton.verify', {
        'baton.logical': 'K',
        'baton.outcome': 'accept',
        'baton.match': 'current',
      }),
    ).toBe(1);
    expect(
      find('baton.verify', {
        'baton.logical': 'K',
        'baton.outcome': 'reject',
        'baton.reason': 'no_match',
      }),
    ).toBe(1);
    expect(find('baton.cache.lookups', { 'baton.cache.result': 'miss' })).toBe(2);
    expect(find('baton.cache.lookups', { 'baton.cache.result': 'hit' })).toBe(1);
    expect(
      find('baton.source.requests', { 'baton.source': 'vault', 'baton.outcome': 'found' }),
    ).toBe(1);
    expect(
      find('baton.source.requests', { 'baton.source': 'vault', 'baton.outcome': 'absent' }),
    ).toBe(1);
    expect(find('baton.source.duration', { 'baton.source': 'vault' })).toMatchObject({ count: 2 });
    expect(find('baton.registry.changes', { 'baton.change': 'register' })).toBe(1);
    expect(find('baton.registry.changes', { 'baton.change': 'promote' })).toBe(1);
  });

  it('wraps each source call in a baton.fetch span that names the source and ref', async () => {
    const telemetry = recordingTelemetry();
    const source = testSource('vault', { 'K:v1': 'secret-value' });
    const baton = createBaton({ sources: [source], audit: false, telemetry: telemetry.options });
    await baton.getSecret('K:v1');
    source.failWith = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await baton.getSecret('K:v2').catch(() => {});
    const spans = telemetry.spans.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['baton.fetch', 'baton.fetch']);
    expect(spans[0]?.attributes).toEqual({
      'baton.source': 'vault',
      'baton.ref': 'K:v1',
      'baton.outcome': 'found',
    });
    expect(spans[1]?.status).toEqual({ code: 2, message: 'AccessDeniedException' });
  });

  it('exports exact cumulative counts from the hot paths, as monotonic sums', async () => {
    const telemetry = recordingTelemetry();
    const baton = createBaton({
      sources: [testSource('s', { 'K:v1': 'one', 'K:v2': 'two' })],
      audit: false,
      telemetry: telemetry.options,
    });
    await baton.register('K', 'K:v1');
    await baton.promote('K', 'K:v2');
    for (let i = 0; i < 10_007; i++) baton.verifyRef('K', i % 3 === 0 ? 'K:v9' : 'K:v2');
    for (let i = 0; i < 5_003; i++) await baton.getSecret('K:v2');
    const count = async (name: string, attributes: Record<string, unknown>) =>
      (await telemetry.points()).find(
        (point) =>
          point.name === name &&
          Object.entries(attributes).every(([k, v]) => point.attributes[k] === v),
      )?.value;
    expect(await count('baton.verify', { 'baton.match': 'current' })).toBe(6_671);
    expect(await count('baton.verify', { 'baton.reason': 'no_match' })).toBe(3_336);
    expect(await count('baton.cache.lookups', { 'baton.cache.result': 'hit' })).toBe(5_002);
    expect(await count('baton.cache.lookups', { 'baton.cache.result': 'miss' })).toBe(1);
    baton.verifyRef('K', 'K:v2');
    expect(await count('baton.verify', { 'baton.match': 'current' })).toBe(6_672);
    const kinds = await telemetry.descriptors();
    expect(kinds['baton.verify']).toEqual({ type: 'SUM', monotonic: true });
    expect(kinds['baton.cache.lookups']).toEqual({ type: 'SUM', monotonic: true });
  });

  it('bounds the attribute sets it keeps, counting the rest as overflow', async () => {
    const telemetry = recordingTelemetry();
    const baton = createBaton({ audit: false, telemetry: telemetry.options });
    for (let i = 0; i < 2_500; i++) baton.verifyRef(`NAME_${i}`, 'X:v1');
    const points = (await telemetry.points()).filter((point) => point.name === 'baton.verify');
    expect(points).toHaveLength(2_000);
    expect(points.find((point) => point.attributes['otel.metric.overflow'] === true)?.value).toBe(
      501,
    );
  });

  it('is a no-op without an SDK', async () => {
    const baton = createBaton({ sources: [testSource('s', { A: 'a' })], audit: false });
    await baton.register('A', 'A:v1');
    expect(baton.verifyRef('A', 'A:v1')).toBe(true);
    expect(await baton.getSecret('A')).toBe('a');
  });
});
