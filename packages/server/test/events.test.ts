import { type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretChange } from '../src/index.js';
import { keyBaton, type RunningService, startService } from './support/service.js';
import { openEvents } from './support/sse.js';

const available = await postgresAvailable();
const admin = adminDatabase();
let issuer: Issuer;
let first: RunningService;
let second: RunningService;
let writer: string;
let reader: string;
let schema: string;

beforeAll(async () => {
  if (!available) return;
  issuer = await startIssuer();
  schema = admin.schema('secrets_events');
  // Two replicas of one service: same tables, same key.
  const baton = await keyBaton();
  first = await startService(issuer, schema, { baton });
  second = await startService(issuer, schema, { baton });
  writer = await issuer.token({ sub: 'deployer', scope: 'secrets:write' });
  reader = await issuer.token({ sub: 'watcher', scope: 'secrets:read' });
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  await issuer?.close();
  await admin.cleanup();
});

function patch(api: RunningService, path: string, value: string) {
  return fetch(`${api.url}/secrets/${path}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { value } }),
  }).then((response) => response.json() as Promise<{ version: number }>);
}

describe.skipIf(!available)('change events', () => {
  it('streams each change written on any replica, in order, with path, version, actor and time and no value', async () => {
    const stream = await openEvents(second.url, reader);
    expect(stream.status).toBe(200);
    await stream.waitFor('ready');
    await patch(first, 'events/a', 'value-a1');
    await patch(first, 'events/b', 'value-b1');
    await patch(second, 'events/a', 'value-a2');
    const changes = await stream.waitFor('change', 3);
    stream.close();
    const bodies = changes.map((event) => JSON.parse(event.data));
    expect(bodies).toEqual([
      { path: 'events/a', version: 1, actor: 'deployer', at: expect.any(String) },
      { path: 'events/b', version: 1, actor: 'deployer', at: expect.any(String) },
      { path: 'events/a', version: 2, actor: 'deployer', at: expect.any(String) },
    ]);
    const ids = changes.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(JSON.stringify(stream.events)).not.toContain('value-');
  });

  it('resumes after Last-Event-ID with exactly the changes missed', async () => {
    const stream = await openEvents(first.url, reader);
    await stream.waitFor('ready');
    await patch(first, 'resume/x', 'one');
    const seen = await stream.waitForChange('resume/x');
    stream.close();
    await patch(second, 'resume/x', 'two');
    await patch(second, 'resume/y', 'three');

    const resumed = await openEvents(first.url, reader, seen.id);
    await resumed.waitForChange('resume/y');
    // Each missed change exactly once, whether replayed or (written an instant ago on the
    // other replica) delivered live after `ready`.
    await new Promise((resolve) => setTimeout(resolve, 100));
    resumed.close();
    const replayed = resumed.events
      .filter((event) => event.event === 'change')
      .map((event) => JSON.parse(event.data));
    expect(replayed.map((change) => [change.path, change.version])).toEqual([
      ['resume/x', 2],
      ['resume/y', 1],
    ]);
  });

  it('tells a client resuming from an unknown position to reset', async () => {
    const stream = await openEvents(first.url, reader, '999999999');
    await stream.waitFor('reset');
    await stream.waitFor('ready');
    stream.close();
  });

  it('streams only the paths a prefix-scoped token may read', async () => {
    const billing = await issuer.token({ scope: 'secrets:read:billing' });
    const stream = await openEvents(first.url, billing);
    await stream.waitFor('ready');
    await patch(first, 'payroll/key', 'hidden');
    await patch(first, 'billing/key', 'shown');
    const [change] = await stream.waitFor('change');
    stream.close();
    expect(JSON.parse(change?.data ?? '{}').path).toBe('billing/key');
    expect(stream.events.filter((event) => event.event === 'change')).toHaveLength(1);
    expect(
      (await openEvents(first.url, await issuer.token({ scope: 'secrets:write' }))).status,
    ).toBe(403);
    expect((await openEvents(first.url, 'nope')).status).toBe(401);
  });

  it('calls library listeners by path, by prefix and for everything, for changes from every replica', async () => {
    const exact: SecretChange[] = [];
    const prefix: SecretChange[] = [];
    const all: SecretChange[] = [];
    const stops = [
      second.service.addListener('listen/one', (change) => exact.push(change)),
      second.service.addListener('listen/', (change) => prefix.push(change)),
      second.service.addListener('*', (change) => all.push(change)),
    ];
    await patch(first, 'listen/one', 'a');
    await patch(first, 'listen/two', 'b');
    await patch(first, 'other/three', 'c');
    await expect.poll(() => all.some((change) => change.path === 'other/three')).toBe(true);
    for (const stop of stops) stop();
    expect(exact.map((change) => change.path)).toEqual(['listen/one']);
    expect(prefix.map((change) => change.path)).toEqual(['listen/one', 'listen/two']);
    const mine = all.filter((change) => /^(listen|other)\//.test(change.path));
    expect(mine.map((change) => [change.path, change.version, change.actor])).toEqual([
      ['listen/one', 1, 'deployer'],
      ['listen/two', 1, 'deployer'],
      ['other/three', 1, 'deployer'],
    ]);
  });

  it('never trusts a notification’s payload: a forged NOTIFY delivers nothing that is not in the table', async () => {
    const all: SecretChange[] = [];
    const stop = first.service.addListener('*', (change) => all.push(change));
    await admin.pool.query(`SELECT pg_notify($1, '{"path":"forged/path","version":9}')`, [
      `baton_secrets_${schema}`,
    ]);
    await patch(first, 'real/after', 'x');
    await expect.poll(() => all.some((change) => change.path === 'real/after')).toBe(true);
    stop();
    expect(all.map((change) => change.path)).not.toContain('forged/path');
  });
});
