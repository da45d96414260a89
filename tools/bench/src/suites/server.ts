import { randomBytes } from 'node:crypto';
import { createBaton } from '@baton/core';
import { secretsApiSource } from '@baton/server/client';
import { AUDIENCE, ISSUER, startIssuer } from '@baton-tools/test-kit/jwks';
import { printTable } from '../harness.js';
import { compareHttp, load, startServer } from '../http.js';
import { benchDatabase, DATABASE_URL } from '../postgres.js';

const PROPAGATIONS = 200;
const CAS_WRITERS = 8;
const CAS_SECONDS = 4;

/**
 * The secrets API (@baton/server) against its own process: GET throughput and p99 beside the
 * same read without authentication and decryption; PATCH throughput, unconditional and
 * under check-and-set contention; and propagation, PATCH → an app's next read returning the
 * new value through `secretsApiSource({ watch: true })` (its cache TTL is 5 minutes, so only
 * the event stream can make it fast).
 */
export default async function serverSuite(): Promise<void> {
  const { admin, reachable } = await benchDatabase('the server suite needs it');
  if (!reachable) return admin.end();
  const schema = `baton_bench_secrets_${process.pid}`;
  const issuer = await startIssuer();
  const server = await startServer(new URL('../servers/secrets-api-server.ts', import.meta.url), {
    BENCH_DATABASE_URL: DATABASE_URL,
    BENCH_SCHEMA: schema,
    BENCH_JWKS_URL: issuer.jwksUrl,
    BENCH_ISSUER: ISSUER,
    BENCH_AUDIENCE: AUDIENCE,
    SECRETS_API_KEY_V1: randomBytes(32).toString('base64'),
  });
  try {
    const token = await issuer.token({
      sub: 'bench',
      scope: 'secrets:read secrets:write',
      expiresIn: 3_600,
    });
    const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const patch = (path: string, body: unknown) =>
      fetch(`${server.url}/secrets/${path}`, {
        method: 'PATCH',
        headers: json,
        body: JSON.stringify(body),
      });
    await patch('bench/read', { data: { value: randomBytes(24).toString('base64') } });

    await compareHttp(
      'Secrets API: GET /secrets/{path}, bare read vs the full route',
      [
        {
          name: 'bare (same query, no auth, no decryption)',
          method: 'GET',
          url: `${server.url}/bare/secrets/bench/read`,
        },
        {
          name: 'GET /secrets/{path} (JWT + scope + AES-GCM)',
          method: 'GET',
          url: `${server.url}/secrets/bench/read`,
          headers: json,
        },
      ],
      { server, rounds: 3, durationSec: 3, connections: 20 },
    );

    const unconditional = await load({
      url: `${server.url}/secrets/bench/unconditional`,
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ data: { value: 'v' } }),
      connections: CAS_WRITERS,
      durationSec: CAS_SECONDS,
    });
    const contended = await casContention(server.url, json);
    printTable(
      `Secrets API: PATCH, ${CAS_WRITERS} concurrent writers on one path, ${CAS_SECONDS} s each`,
      ['case', 'writes/s', 'attempts/s', 'conflicts', 'p99 ms'],
      [
        [
          'unconditional PATCH (no version)',
          unconditional.requestsPerSec.toFixed(0),
          unconditional.requestsPerSec.toFixed(0),
          '0',
          unconditional.p99Ms.toFixed(2),
        ],
        [
          'check-and-set: read version, PATCH on it, retry on 409',
          contended.writesPerSec.toFixed(0),
          contended.attemptsPerSec.toFixed(0),
          String(contended.conflicts),
          contended.p99Ms.toFixed(2),
        ],
      ],
    );
    if (contended.duplicateVersions > 0)
      throw new Error(`${contended.duplicateVersions} versions won twice`);

    const floor = await roundTrip(server.url, json);
    const watched = await propagation(server.url, token, json);
    printTable(
      `Secrets API: propagation, PATCH → the app's next read returns the new value (${PROPAGATIONS} changes)`,
      ['case', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        quantiles('floor: PATCH, then one uncached GET', floor),
        quantiles('secretsApiSource watch: true (cache TTL 300 s)', watched),
      ],
    );
  } finally {
    await server.stop();
    await issuer.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

/** Writers each loop: PATCH on the version they believe current; a 409 tells them the real one. */
async function casContention(url: string, headers: Record<string, string>) {
  const deadline = performance.now() + CAS_SECONDS * 1_000;
  const won = new Set<number>();
  let duplicateVersions = 0;
  let conflicts = 0;
  let attempts = 0;
  const latencies: number[] = [];
  const writer = async () => {
    let current = 0;
    while (performance.now() < deadline) {
      const started = performance.now();
      const response = await fetch(`${url}/secrets/bench/contended`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ data: { value: 'v' }, version: current }),
      });
      const body = (await response.json()) as { version?: number; currentVersion?: number };
      latencies.push(performance.now() - started);
      attempts++;
      if (response.status === 200) {
        if (won.has(body.version as number)) duplicateVersions++;
        won.add(body.version as number);
        current = body.version as number;
      } else if (response.status === 409) {
        conflicts++;
        current = body.currentVersion as number;
      } else throw new Error(`PATCH answered ${response.status}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CAS_WRITERS }, writer));
  const seconds = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  return {
    writesPerSec: won.size / seconds,
    attemptsPerSec: attempts / seconds,
    conflicts,
    duplicateVersions,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

async function roundTrip(url: string, headers: Record<string, string>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < PROPAGATIONS; i++) {
    const started = performance.now();
    await fetch(`${url}/secrets/bench/floor`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ data: { value: `f${i}` } }),
    });
    await (await fetch(`${url}/secrets/bench/floor`, { headers })).json();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function propagation(
  url: string,
  token: string,
  headers: Record<string, string>,
): Promise<number[]> {
  const baton = createBaton({
    sources: [secretsApiSource({ url, token, prefix: 'bench/', watch: true })],
    audit: false,
  });
  const samples: number[] = [];
  try {
    await fetch(`${url}/secrets/bench/PROPAGATED`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ data: { value: 'start' } }),
    });
    await waitFor(async () => (await baton.getSecret('PROPAGATED')) === 'start', 10_000);
    for (let i = 0; i < PROPAGATIONS; i++) {
      const value = `value-${i}`;
      const started = performance.now();
      const response = await fetch(`${url}/secrets/bench/PROPAGATED`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ data: { value } }),
      });
      await response.body?.cancel();
      await waitFor(async () => (await baton.getSecret('PROPAGATED')) === value, 10_000);
      samples.push(performance.now() - started);
    }
  } finally {
    await baton.close();
  }
  return samples;
}

/** Polls the app's read (a cache hit until the event drops it) until it holds. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`no propagation within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function quantiles(name: string, samples: number[]): string[] {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0).toFixed(2);
  return [name, at(0.5), at(0.9), at(0.99), (sorted.at(-1) ?? 0).toFixed(2)];
}
