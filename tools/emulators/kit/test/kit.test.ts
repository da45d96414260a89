import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  closeServer,
  FaultInjector,
  listen,
  nonNegative,
  RequestLog,
  readBody,
  readSeedFile,
} from '../src/index.js';

describe('FaultInjector', () => {
  it('fails exactly the next N requests, throttling first, then answers normally', () => {
    const faults = new FaultInjector(() => 0.99);
    faults.set({ throttleNext: 2, failNext: 1 });
    const drawn = Array.from({ length: 5 }, () => faults.draw('Get'));
    expect(drawn).toEqual(['throttle', 'throttle', 'error', undefined, undefined]);
  });

  it('draws rates from the random source and touches only the operations named', () => {
    const faults = new FaultInjector(() => 0.25);
    faults.set({ errorRate: 0.5, operations: ['Get'], latencyMs: 30 });
    expect(faults.draw('Get')).toBe('error');
    expect(faults.draw('Put')).toBeUndefined();
    expect([faults.latency('Get'), faults.latency('Put')]).toEqual([30, 0]);
    faults.set({ errorRate: 0.2 });
    expect(faults.draw('Get')).toBeUndefined();
  });

  it('refuses a rate outside 0–1', () => {
    expect(() => new FaultInjector().set({ throttleRate: 2 })).toThrow(RangeError);
  });
});

describe('RequestLog', () => {
  it('counts requests per operation and the most in flight at once', async () => {
    const log = new RequestLog();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const work = Promise.all([log.track(() => gate), log.track(() => gate)]);
    log.record({ operation: 'Get', status: 200 });
    log.record({ operation: 'Put', status: 400 });
    release();
    await work;
    expect([log.calls(), log.calls('Get'), log.peakInFlight]).toEqual([2, 1, 2]);
    log.reset();
    expect([log.calls(), log.peakInFlight]).toEqual([0, 0]);
  });
});

describe('the HTTP helpers', () => {
  it('listen on an ephemeral port and refuse a body past its limit', async () => {
    const bodies: string[] = [];
    const server = createServer(async (req, res) => {
      try {
        bodies.push(await readBody(req, 8, () => new Error('too large')));
        res.end('ok');
      } catch (error) {
        res.writeHead(413).end((error as Error).message);
      }
    });
    const { host, port } = await listen(server);
    const post = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host, port, method: 'POST' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
    expect(port).toBeGreaterThan(0);
    expect(await post('small')).toBe(200);
    expect(await post('much too large')).toBe(413);
    expect(bodies).toEqual(['small']);
    await closeServer(server);
  });
});

describe('the command line helpers', () => {
  it('read a seed file of strings and say what is wrong with any other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-kit-'));
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, JSON.stringify({ A: 'a' }));
    await writeFile(bad, JSON.stringify({ A: 1 }));
    expect(await readSeedFile(good)).toEqual({ A: 'a' });
    await expect(readSeedFile(bad)).rejects.toThrow('must hold a JSON object');
  });

  it('refuse a flag that is not a non-negative number', () => {
    expect(nonNegative('latency-ms', '5')).toBe(5);
    expect(() => nonNegative('throttle-rate', '-1')).toThrow(
      '--throttle-rate needs a non-negative number',
    );
  });
});
