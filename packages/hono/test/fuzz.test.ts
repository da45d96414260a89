/**
 * Hostile requests against verifyRef on a real Node HTTP server: every answer is 200 for a
 * correctly signed request and 401 for anything else, never a 5xx.
 */
import type { AddressInfo } from 'node:net';
import { createBaton, defaultsSource } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { hostileRequests } from '@baton-tools/test-kit';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { verifyRef } from '../src/index.js';

describe('verifyRef under hostile requests', () => {
  it('answers 200 to exactly the correctly signed ones and 401 to the rest, never a 5xx', async () => {
    const secret = 'hono-fuzz-secret-78';
    const clock = manualClock();
    const baton = createBaton({
      sources: [defaultsSource({ 'HOOK:v1': secret })],
      clock,
      audit: false,
    });
    await baton.register('HOOK', 'HOOK:v1');
    const app = new Hono();
    app.post('/hook', verifyRef(baton, { logical: 'HOOK' }), async (c) =>
      c.json({ text: await c.req.text() }),
    );
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started),
      );
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const now = Math.floor(clock() / 1000);
      for (const request of hostileRequests({
        ref: 'HOOK:v1',
        secret,
        now,
        count: 400,
        seed: 43,
      })) {
        const response = await fetch(`${url}/hook`, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
        });
        const text = await response.text();
        expect(response.status, JSON.stringify(request.headers)).toBe(request.valid ? 200 : 401);
        if (request.valid) expect(JSON.parse(text)).toEqual({ text: request.body });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await baton.close();
    }
  });
});
