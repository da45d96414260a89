import { createBaton, envSource, SecretNotFoundError } from '@baton/core';
import { testSource } from '@baton-tools/test-kit';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { batonPerIsolate, secrets } from '../src/index.js';
import { BINDINGS } from './fixtures.js';

type Bindings = Record<string, string>;

describe('secrets', () => {
  it('puts the values on c.var.secrets, keyed as given, read from the Worker bindings', async () => {
    const baton = batonPerIsolate((env: Bindings) =>
      createBaton({ sources: [envSource({ env })], audit: false }),
    );
    const app = new Hono<{ Bindings: Bindings }>();
    app.get('/keys', secrets(baton, ['OPENAI_KEY:v2']), secrets(baton, ['API_KEY:V1']), (c) =>
      c.json({
        openai: c.var.secrets['OPENAI_KEY:v2'].length,
        api: c.var.secrets['API_KEY:V1'] === BINDINGS.API_KEY_V1,
      }),
    );
    const res = await app.request('/keys', {}, BINDINGS);
    expect(await res.json()).toEqual({ openai: BINDINGS.OPENAI_KEY_V2.length, api: true });
  });

  it('serves later requests from the cache: one source call for many requests', async () => {
    const source = testSource('counted', { 'OPENAI_KEY:v2': 'value' });
    const baton = createBaton({ sources: [source], audit: false });
    const app = new Hono();
    app.get('/', secrets(baton, ['OPENAI_KEY:v2']), (c) => c.text(c.var.secrets['OPENAI_KEY:v2']));
    for (let i = 0; i < 5; i++) expect(await (await app.request('/')).text()).toBe('value');
    expect(source.calls.get).toEqual(['OPENAI_KEY:v2']);
  });

  it('answers 503 {"error":"unavailable"} for a secret no source has, with the error as cause', async () => {
    const baton = createBaton({ sources: [envSource({ env: {} })], audit: false });
    const app = new Hono();
    const causes: unknown[] = [];
    app.onError((error) => {
      if (!(error instanceof HTTPException)) throw error;
      causes.push(error.cause);
      return error.getResponse();
    });
    app.get('/', secrets(baton, ['OPENAI_KEY:v2']), (c) => c.text('unreachable'));
    const res = await app.request('/');
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('{"error":"unavailable"}');
    expect(causes[0]).toBeInstanceOf(SecretNotFoundError);
  });

  it('refuses refs that do not parse when the middleware is made', () => {
    const baton = createBaton({ audit: false });
    expect(() => secrets(baton, ['OPENAI_KEY:v2', 'openai key'])).toThrow(/refs\[1\]/);
    expect(() => secrets(baton, 'OPENAI_KEY' as never)).toThrow(/refs must be an array/);
  });
});
