/**
 * The example as a user starts it: `npm start`'s command (TypeScript through tsx, no build)
 * in a child process, on an ephemeral port, with the demo values of .env.example; then real
 * HTTP requests, and a SIGTERM that must shut it down cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { computeSignature } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url);
const DEMO = Object.fromEntries(
  readFileSync(new URL('.env.example', root), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_0-9]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
) as Record<string, string>;

let child: ChildProcess;
let url: string;
let output = '';

beforeAll(async () => {
  const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
  // `exec env …` makes node itself the child, so signals reach it directly.
  child = spawn('sh', ['-c', `exec env ${scripts.start}`], {
    cwd: root,
    env: { ...process.env, PORT: '0', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += String(chunk);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1].replace('[::1]', 'localhost'));
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}, 60_000);

afterAll(() => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function webhook(ref: string, secret: string, body: string, sent = body) {
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${url}/webhooks/billing`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-baton-ref': ref,
      'x-baton-timestamp': String(timestamp),
      'x-baton-signature': await computeSignature(secret, timestamp, body),
    },
    body: sent,
  });
}

describe('example-nestjs, started with npm start', () => {
  const event = JSON.stringify({ type: 'invoice.paid' });

  it('accepts webhooks signed with the current ref, and the previous one within grace', async () => {
    const current = await webhook('WEBHOOK_SECRET:v2', DEMO.WEBHOOK_SECRET_V2 ?? '', event);
    expect(await current.json()).toEqual({
      received: 'invoice.paid',
      ref: 'WEBHOOK_SECRET:v2',
      match: 'current',
    });
    const previous = await webhook('WEBHOOK_SECRET:v1', DEMO.WEBHOOK_SECRET_V1 ?? '', event);
    expect(await previous.json()).toMatchObject({ match: 'previous' });
  });

  it('refuses a tampered webhook with 401 {"error":"unauthorized"}', async () => {
    const res = await webhook(
      'WEBHOOK_SECRET:v2',
      DEMO.WEBHOOK_SECRET_V2 ?? '',
      event,
      '{"type":"refund"}',
    );
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"error":"unauthorized"}');
  });

  it('serves reports to an API key, with the reporting token injected by name', async () => {
    const res = await fetch(`${url}/reports`, {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': DEMO.API_KEY_V1 ?? '' },
    });
    expect(await res.json()).toEqual({ caller: 'API_KEY:v1', reports: ['daily', 'weekly'] });
  });

  it('stops on SIGTERM through its shutdown hooks, never having printed a secret value', async () => {
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    child.kill('SIGTERM');
    // Nest runs the shutdown hooks, then re-raises the signal: no error exit code.
    expect(await exited).toEqual([null, 'SIGTERM']);
    expect(output).toContain('"type":"verify_accept"');
    for (const [key, value] of Object.entries(DEMO)) {
      if (/_V\d+$/.test(key)) expect(output).not.toContain(value);
    }
  });
});
