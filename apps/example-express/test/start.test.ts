/**
 * The README walk-through, run for real: `npm start` at the repository root starts the
 * service, `npm run example:send` talks to it, and the audit log on stdout records each step.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Each send starts a process (tsx compiles on the fly): generous on a busy machine. */
const TIMEOUT = 120_000;
const run = promisify(execFile);

let service: ChildProcess;
let url: string;
let stdout = '';
let stderr = '';

beforeAll(async () => {
  // PORT=0: an ephemeral port, read back from the start-up line.
  service = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  url = await new Promise<string>((resolve, reject) => {
    service.stderr?.on('data', (chunk) => {
      stderr += chunk;
      const listening = /listening on (http:\/\/localhost:\d+)/.exec(stderr);
      if (listening) resolve(listening[1] as string);
    });
    service.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${stderr}`)));
  });
}, TIMEOUT);

afterAll(() => {
  const running = service.exitCode === null && service.signalCode === null;
  if (running && service.pid !== undefined) process.kill(-service.pid, 'SIGKILL');
});

async function send(...args: string[]): Promise<string> {
  const { stdout: printed } = await run(
    'npm',
    ['run', '--silent', 'example:send', '--', ...args, '--url', url],
    { cwd: ROOT, env: process.env },
  );
  return printed;
}

/** Audit lines on the service's stdout, parsed, once they are all there. */
async function auditLines(count: number): Promise<Record<string, unknown>[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const lines = stdout.split('\n').filter((line) => line.startsWith('{'));
    if (lines.length >= count) return lines.map((line) => JSON.parse(line));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`expected ${count} audit lines, got:\n${stdout}`);
}

describe('npm start and npm run example:send', { timeout: TIMEOUT }, () => {
  it('walks through a signed webhook, a tampered one, a promotion and the grace window', async () => {
    expect(await send('webhook')).toMatch(
      /> POST .*\/webhooks\/payments\n> {3}x-baton-ref: WEBHOOK_SECRET:v1\n[\s\S]*< 200 \{"received":"invoice.paid","ref":"WEBHOOK_SECRET:v1","match":"current"\}/,
    );
    expect(await send('webhook', '--tamper')).toContain('< 401 {"error":"unauthorized"}');
    expect(await send('reports')).toContain('x-baton-key: (the secret)\n< 200 {"reports"');
    expect(await send('promote', 'WEBHOOK_SECRET:v2')).toMatch(
      /< 200 \{"logical":"WEBHOOK_SECRET","currentRef":"WEBHOOK_SECRET:v2","previousRef":"WEBHOOK_SECRET:v1"/,
    );
    expect(await send('webhook')).toContain('"ref":"WEBHOOK_SECRET:v1","match":"previous"');
    expect(await send('webhook', '--ref', 'WEBHOOK_SECRET:v2')).toContain(
      '"ref":"WEBHOOK_SECRET:v2","match":"current"',
    );
    expect(await send('webhook', '--skew=-400')).toContain('< 401');

    const events = await auditLines(15);
    const summary = events.map((event) =>
      [event.type, event.logical, event.ref ?? event.presentedRef, event.match ?? event.reason]
        .filter((part) => part !== undefined)
        .join(' '),
    );
    expect(summary).toEqual(
      [
        'register WEBHOOK_SECRET WEBHOOK_SECRET:v1',
        'register API_KEY API_KEY:v1',
        'register ADMIN_KEY ADMIN_KEY:v1',
        'secret_read WEBHOOK_SECRET WEBHOOK_SECRET:v1',
        'verify_accept WEBHOOK_SECRET WEBHOOK_SECRET:v1 current',
        'verify_reject WEBHOOK_SECRET WEBHOOK_SECRET:v1 bad_signature',
        'secret_read API_KEY API_KEY:v1',
        'verify_accept API_KEY API_KEY:v1 current',
        'secret_read ADMIN_KEY ADMIN_KEY:v1',
        'verify_accept ADMIN_KEY ADMIN_KEY:v1 current',
        'secret_read WEBHOOK_SECRET WEBHOOK_SECRET:v2',
        'promote WEBHOOK_SECRET WEBHOOK_SECRET:v2',
        'verify_accept WEBHOOK_SECRET WEBHOOK_SECRET:v1 previous',
        'verify_accept WEBHOOK_SECRET WEBHOOK_SECRET:v2 current',
        'verify_reject WEBHOOK_SECRET WEBHOOK_SECRET:v1 stale_timestamp',
      ].concat(summary.slice(15)),
    );
    expect(events.find((event) => event.type === 'promote')).toMatchObject({
      previousRef: 'WEBHOOK_SECRET:v1',
      actor: 'admin ADMIN_KEY:v1',
      revision: 2,
    });
  });

  it('prints no secret value, on either side', async () => {
    const printed = [
      await send('link'),
      await send('status'),
      await send('reports', '--ref', 'API_KEY:v2'),
    ].join('\n');
    expect(printed).toContain('< 200 month,revenue');
    const demo = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
    const values = [...demo.matchAll(/^[A-Z_0-9]+=(.+)$/gm)].map((match) => match[1] as string);
    expect(values).toHaveLength(6);
    for (const value of values) {
      expect(printed).not.toContain(value);
      expect(stdout).not.toContain(value);
      expect(stderr).not.toContain(value);
    }
  });

  it('stops on Ctrl-C and frees the port', async () => {
    const exited = new Promise((resolve) => service.once('exit', resolve));
    process.kill(-(service.pid as number), 'SIGINT');
    await exited;
    await expect(fetch(url)).rejects.toThrow();
  });
});
