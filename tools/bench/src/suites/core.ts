import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBaton, defaultsSource } from '@baton/core';
import { type Measurement, measureAsync, measureSync, table } from '../harness.js';

const HOUR = 3_600_000;

/** verifyRef and cached getSecret, each beside a bare Map lookup plus string compare. */
export default async function core(): Promise<void> {
  let delivered = 0;
  const audited = createBaton({
    sources: [
      defaultsSource({
        'WEBHOOK_SECRET:v1': 'one',
        'WEBHOOK_SECRET:v2': 'two',
        'API_KEY:v1': 'one',
        'PARTNER_HOOK:v1': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'SERVICE_CONFIG:v1': JSON.stringify({ url: 'https://api.example.com', port: 443 }),
      }),
    ],
    audit: () => {
      delivered++;
    },
    registry: { graceMs: 24 * HOUR },
  });
  await audited.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
  await audited.promote('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
  const silent = createBaton({ sources: [], audit: false });
  await silent.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
  await audited.flush();

  // The bare baseline: what any registry must do at least.
  const entries = new Map([
    ['WEBHOOK_SECRET', { currentRef: 'WEBHOOK_SECRET:v2', previousRef: 'WEBHOOK_SECRET:v1' }],
  ]);
  const presented = ['WEBHOOK_SECRET:v2', 'WEBHOOK_SECRET:v1', 'WEBHOOK_SECRET:v9'];
  const baseline = await measureSync('baseline: Map lookup + string compare', (i) => {
    const entry = entries.get('WEBHOOK_SECRET');
    return entry?.currentRef === presented[i % 3];
  });

  // Audit delivery happens off the caller's path: flush between batches, off the clock.
  // A batch (5 000) stays below the audit buffer (10 000), so no event is dropped.
  const flush = () => audited.flush();
  const options = { batch: 5_000, between: flush };
  const rows = [
    baseline,
    await measureSync(
      'verifyRef current, audit on',
      () => audited.verifyRef('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2'),
      options,
    ),
    await measureSync(
      'verifyRef previous in grace, audit on',
      () => audited.verifyRef('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1'),
      options,
    ),
    await measureSync(
      'verifyRef reject (no_match), audit on',
      () => audited.verifyRef('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v9'),
      options,
    ),
    await measureSync('verifyRef current, audit off', () =>
      silent.verifyRef('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2'),
    ),
  ];
  const before = delivered;
  const withDelivery = await measureAsync(
    'verifyRef current, audit delivered (clocked)',
    async () => {
      for (let i = 0; i < 999; i++) audited.verifyRef('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
      audited.verifyRef('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
      await audited.flush();
    },
    { batch: 5, samples: 30 },
  );
  rows.push({
    ...withDelivery,
    opsPerSec: withDelivery.opsPerSec * 1000,
    nsPerOp: withDelivery.nsPerOp / 1000,
    note: 'incl. delivery to a function sink',
  });
  if (delivered === before) throw new Error('audit events were not delivered');
  table('verifyRef (target ≥ 1 M/s with audit)', rows, baseline);

  await audited.getSecret('WEBHOOK_SECRET:v2');
  const values = new Map([['WEBHOOK_SECRET:v2', 'two']]);
  const cachedBaseline = await measureSync(
    'baseline: Map lookup + string compare',
    () => values.get('WEBHOOK_SECRET:v2') === 'two',
  );
  const awaitBaseline = await measureAsync('baseline + await of a settled promise', async () =>
    values.get('WEBHOOK_SECRET:v2'),
  );
  const cached = await measureAsync('await getSecret (cached)', () =>
    audited.getSecret('WEBHOOK_SECRET:v2'),
  );
  const batch = await measureAsync(
    'await getSecrets of 10 (cached), per ref',
    () =>
      audited.getSecrets([
        'WEBHOOK_SECRET:v2',
        'WEBHOOK_SECRET:v1',
        'WEBHOOK_SECRET:v2',
        'WEBHOOK_SECRET:v1',
        'WEBHOOK_SECRET:v2',
        'WEBHOOK_SECRET:v1',
        'WEBHOOK_SECRET:v2',
        'WEBHOOK_SECRET:v1',
        'WEBHOOK_SECRET:v2',
        'WEBHOOK_SECRET:v1',
      ]),
    { batch: 1_000 },
  );
  await audited.getSecret('SERVICE_CONFIG:v1');
  const json = await measureAsync("await getSecret (cached, transform 'json')", () =>
    audited.getSecret('SERVICE_CONFIG:v1', { transform: 'json' }),
  );
  const maxAge = await measureAsync('await getSecret (cached, maxAgeMs)', () =>
    audited.getSecret('WEBHOOK_SECRET:v2', { maxAgeMs: 60_000 }),
  );
  table(
    'cached getSecret (target ≥ 5 M/s)',
    [
      cachedBaseline,
      awaitBaseline,
      cached,
      { ...batch, opsPerSec: batch.opsPerSec * 10, nsPerOp: batch.nsPerOp / 10 },
      { ...json, note: 'parsed once, then kept per ref' },
      maxAge,
    ],
    cachedBaseline,
  );

  // Whole request verification: registry check, timestamp, HMAC on Web Crypto, audit.
  const body = JSON.stringify({ event: 'invoice.paid', id: 42, amount: 1999 });
  const signed = await audited.sign('WEBHOOK_SECRET', body);
  await audited.register('API_KEY', 'API_KEY:v1');
  await audited.register('PARTNER_HOOK', 'PARTNER_HOOK:v1');
  const webhook = await audited.sign('PARTNER_HOOK', body, { protocol: 'standard-webhooks' });
  const withId = await audited.sign('WEBHOOK_SECRET', body, { id: 'evt_bench' });
  const requestOptions = { batch: 2_000, between: flush };
  // Replay protection would refuse every repeat of one message: these rows measure the check
  // itself on a Baton without it, so each request costs what a first delivery costs.
  const fresh = createBaton({
    sources: [
      defaultsSource({
        'PARTNER_HOOK:v1': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'WEBHOOK_SECRET:v2': 'two',
      }),
    ],
    audit: () => {},
    replay: false,
  });
  await fresh.register('PARTNER_HOOK', 'PARTNER_HOOK:v1');
  await fresh.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
  // Distinct messages, signed before the clock starts: as many as the rows below verify.
  const messages = await Promise.all(
    Array.from({ length: 80_000 }, (_, i) =>
      audited.sign('PARTNER_HOOK', body, { protocol: 'standard-webhooks', id: `msg_bench_${i}` }),
    ),
  );
  let next = 0;
  table('verifyRequest (one HTTP request’s check, no HTTP)', [
    await measureAsync(
      'verifyRequest, signature proof',
      () => audited.verifyRequest({ logical: 'WEBHOOK_SECRET', headers: signed, body }),
      requestOptions,
    ),
    await measureAsync(
      'verifyRequest, value proof',
      () =>
        audited.verifyRequest({
          logical: 'API_KEY',
          proof: 'value',
          headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': 'one' },
        }),
      requestOptions,
    ),
    await measureAsync(
      'verifyRequest, signature proof with x-baton-id (replay check off)',
      () => fresh.verifyRequest({ logical: 'WEBHOOK_SECRET', headers: withId, body }),
      requestOptions,
    ),
    await measureAsync(
      'verifyRequest, Standard Webhooks (replay check off)',
      () =>
        fresh.verifyRequest({
          logical: 'PARTNER_HOOK',
          protocol: 'standard-webhooks',
          headers: webhook,
          body,
        }),
      requestOptions,
    ),
    await measureAsync(
      'verifyRequest, Standard Webhooks, a new id each time (replay check on)',
      async () =>
        audited.verifyRequest({
          logical: 'PARTNER_HOOK',
          protocol: 'standard-webhooks',
          headers: messages[next++ % messages.length] as Record<string, string>,
          body,
        }),
      requestOptions,
    ),
  ]);
  await fresh.close();
  await audited.close();
  await silent.close();
  await usersConfiguration();
}

/**
 * The configuration users run, measured in a child process whose stdout (the default audit
 * sink) is a pipe another process drains and counts: a real OpenTelemetry SDK, JSON lines,
 * 1000 cached refs read in scattered order. The reader is `wc -l`, which takes lines as fast as
 * a log collector does; this process, counting line ends in JavaScript while it runs the
 * suite, fell behind the pipe and made the figure its own speed.
 */
export async function usersConfiguration(): Promise<void> {
  const reader = spawn('wc', ['-l'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let counted = '';
  reader.stdout.on('data', (chunk: Buffer) => {
    counted += chunk.toString();
  });
  const child = fork(fileURLToPath(new URL('../workers/users-config.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', reader.stdin, 'inherit', 'ipc'],
  });
  const result = await new Promise<UsersResult>((resolve, reject) => {
    child.once('message', (message) => resolve(message as UsersResult));
    child.once('exit', (code) =>
      reject(new Error(`the users-configuration worker exited with ${code}`)),
    );
  });
  await new Promise((resolve) => child.once('exit', resolve));
  reader.stdin.end();
  await new Promise((resolve) => reader.once('exit', resolve));
  const lines = Number.parseInt(counted.trim(), 10);
  const { baseline, verify, floor, mapBaseline, cached } = result;
  const lost = result.emitted - lines;
  table(
    'verifyRef as users run it (target ≥ 2 M/s and ≥ 0.03× baseline; the floor is the cost of writing the lines alone)',
    [
      baseline,
      {
        ...verify,
        note: `event loop p99 ${result.eventLoopP99Ms.toFixed(2)} ms (target ≤ 5), max ${result.eventLoopMaxMs.toFixed(1)} ms; audit events lost: ${lost}`,
      },
      floor,
    ],
    baseline,
  );
  table(
    'cached getSecret as users run it (target ≥ 0.5× the awaited Map.get)',
    [mapBaseline, cached],
    mapBaseline,
  );
}

interface UsersResult {
  baseline: Measurement;
  verify: Measurement;
  floor: Measurement;
  mapBaseline: Measurement;
  cached: Measurement;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  emitted: number;
}
