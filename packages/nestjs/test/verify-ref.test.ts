import { computeSignature } from '@baton/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsService, VerifyRef } from '../src/index.js';
import { ENV, HOUR, type RunningApp, startApp } from './fixtures.js';

const EVENT = JSON.stringify({ id: 42, type: 'invoice.paid' });
let running: RunningApp | undefined;

afterEach(async () => {
  await running?.app.close();
  running = undefined;
});

/** Signs as a sender does: with a ref (default: the current one) over the raw body, now. */
function sign(rig: RunningApp, body: string, ref?: string) {
  return rig.app.get(SecretsService).sign('WEBHOOK_SECRET', body, ref === undefined ? {} : { ref });
}

/** Signs with a value directly, for a server that cannot read the secret itself. */
async function signWith(secret: string, ref: string, rig: RunningApp, body: string) {
  const timestamp = Math.floor(rig.clock() / 1000);
  return {
    'x-baton-ref': ref,
    'x-baton-timestamp': String(timestamp),
    'x-baton-signature': await computeSignature(secret, timestamp, body),
  };
}

async function post(
  path: string,
  headers: Record<string, string>,
  body: string,
  type = 'application/json',
) {
  const res = await fetch(`${running?.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type, ...headers },
    body,
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

describe('@VerifyRef with signature proof, through NestFactory on a real port', () => {
  it('accepts a JSON webhook signed with the current ref; the handler gets @Body and @BatonRef', async () => {
    running = await startApp();
    const res = await post('/hooks', await sign(running, EVENT), EVENT);
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text)).toEqual({
      id: 42,
      logical: 'WEBHOOK_SECRET',
      ref: 'WEBHOOK_SECRET:v2',
      match: 'current',
    });
  });

  it('accepts the previous ref within grace and refuses it after', async () => {
    running = await startApp();
    const old = await sign(running, EVENT, 'WEBHOOK_SECRET:v1');
    const during = await post('/hooks', old, EVENT);
    expect(JSON.parse(during.text)).toMatchObject({ match: 'previous', ref: 'WEBHOOK_SECRET:v1' });
    running.clock.advance(24 * HOUR);
    const after = await post('/hooks', await sign(running, EVENT, 'WEBHOOK_SECRET:v1'), EVENT);
    expect(after.status).toBe(401);
  });

  it('answers a tampered body with 401 and exactly {"error":"unauthorized"}', async () => {
    running = await startApp();
    const res = await post('/hooks', await sign(running, EVENT), EVENT.replace('42', '43'));
    expect(res).toEqual({
      status: 401,
      text: '{"error":"unauthorized"}',
      type: expect.stringMatching(/^application\/json/),
    });
    await running.app.get(SecretsService).flush();
    expect(running.events.filter((event) => event.type.startsWith('verify_'))).toMatchObject([
      { type: 'verify_reject', reason: 'bad_signature', presentedRef: 'WEBHOOK_SECRET:v2' },
    ]);
  });

  it('answers 401, never 500, to missing, forged and malformed headers', async () => {
    running = await startApp();
    const signed = await sign(running, EVENT);
    const attempts: Record<string, string>[] = [
      {},
      { 'x-baton-ref': 'WEBHOOK_SECRET:v2' },
      { ...signed, 'x-baton-ref': 'API_KEY:v1' },
      { ...signed, 'x-baton-ref': '%00;DROP TABLE' },
      { ...signed, 'x-baton-ref': `WEBHOOK_SECRET${'X'.repeat(4000)}` },
      { ...signed, 'x-baton-timestamp': 'not-a-time' },
      { ...signed, 'x-baton-timestamp': '1'.repeat(400) },
      { ...signed, 'x-baton-signature': 'v1=' },
      { ...signed, 'x-baton-signature': `v1=${'g'.repeat(64)}` },
      { ...signed, 'x-baton-signature': signed['x-baton-signature']?.toUpperCase() ?? '' },
    ];
    for (const headers of attempts) {
      const res = await post('/hooks', headers, EVENT);
      expect(res.status, JSON.stringify(Object.keys(headers))).toBe(401);
      expect(res.text).toBe('{"error":"unauthorized"}');
    }
  });

  it('reads a body Nest does not parse itself, keeps it on req.rawBody, and refuses one too large', async () => {
    running = await startApp();
    const text = 'plain text, not JSON';
    const ok = await post('/raw', await sign(running, text), text, 'text/plain');
    expect(JSON.parse(ok.text)).toEqual({ bytes: text.length });
    const big = 'x'.repeat(65);
    const tooLarge = await post('/raw', await sign(running, big), big, 'application/octet-stream');
    expect(tooLarge).toMatchObject({ status: 413, text: '{"error":"payload_too_large"}' });
  });

  it('with rawBody off, answers 401 to unverifiable requests and 503 to signed ones, saying once to create the app with rawBody: true', async () => {
    running = await startApp({});
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warnings.push(line);
    try {
      expect((await post('/hooks', {}, EVENT)).status).toBe(401);
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await post('/hooks', await sign(running, EVENT), EVENT);
        expect(res).toMatchObject({ status: 503, text: '{"error":"unavailable"}' });
      }
    } finally {
      console.warn = warn;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cannot verify signed requests for WEBHOOK_SECRET');
    expect(warnings[0]).toContain('NestFactory.create(AppModule, { rawBody: true })');
    expect(running.logger.lines.join('\n')).not.toMatch(/ERROR/);
    // Bodies no parser touches still verify without rawBody.
    const text = 'plain';
    expect((await post('/raw', await sign(running, text), text, 'text/plain')).status).toBe(201);
  });

  it('answers 503 {"error":"unavailable"} when the accepted ref has no readable secret', async () => {
    running = await startApp({ rawBody: true }, { sources: [] });
    const headers = await signWith(ENV.WEBHOOK_SECRET_V2, 'WEBHOOK_SECRET:v2', running, EVENT);
    const res = await post('/hooks', headers, EVENT);
    expect(res).toMatchObject({ status: 503, text: '{"error":"unavailable"}' });
  });
});

describe('@VerifyRef with value and no proof', () => {
  it('accepts the secret itself in x-baton-key and nothing else', async () => {
    running = await startApp();
    const get = (headers: Record<string, string>) => fetch(`${running?.url}/reports`, { headers });
    const ok = await get({ 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': ENV.API_KEY_V1 });
    expect(await ok.json()).toEqual({ caller: 'API_KEY:v1' });
    for (const key of ['', 'guess', ENV.WEBHOOK_SECRET_V2, 'k'.repeat(5000)]) {
      const res = await get({ 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': key });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('{"error":"unauthorized"}');
    }
  });

  it("checks the ref alone with proof 'none'; routes without the decorator stay open", async () => {
    running = await startApp();
    const refOnly = (ref: string) =>
      fetch(`${running?.url}/ref-only`, { headers: { 'x-baton-ref': ref } });
    expect((await refOnly('API_KEY:v1')).status).toBe(200);
    expect((await refOnly('API_KEY:v2')).status).toBe(401);
    expect(await (await fetch(`${running.url}/open`)).json()).toEqual({ caller: null });
  });
});

describe('@VerifyRef options', () => {
  it('refuses bad options when the class is declared, naming every problem', () => {
    expect(() => VerifyRef('WEBHOOK_SECRET:v2')).toThrow(/use 'WEBHOOK_SECRET'/);
    let error: unknown;
    try {
      VerifyRef('web hook', { proof: 'jwt' as never, toleranceSec: Number.NaN, maxBodyBytes: -1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'BATON_CONFIG' });
    expect((error as { issues: string[] }).issues).toHaveLength(4);
  });
});
