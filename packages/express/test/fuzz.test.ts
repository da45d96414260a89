/**
 * Hostile requests against verifyRef over real HTTP: every answer is 200 for a correctly signed
 * request and 401 for anything else, never a 5xx, and the handler sees exactly what was signed.
 */
import { createBaton, defaultsSource } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { hostileRequests } from '@baton-tools/test-kit';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { verifyRef } from '../src/index.js';
import { serve } from './http.js';

describe('verifyRef under hostile requests', () => {
  it('answers 200 to exactly the correctly signed ones and 401 to the rest, never a 5xx', async () => {
    const secret = 'express-fuzz-secret-77';
    const clock = manualClock();
    const baton = createBaton({
      sources: [defaultsSource({ 'HOOK:v1': secret })],
      clock,
      audit: false,
    });
    await baton.register('HOOK', 'HOOK:v1');
    const app = express();
    app.post('/hook', verifyRef(baton, { logical: 'HOOK' }), (req, res) => {
      res.json({ bytes: (req.body as Buffer).length });
    });
    const server = await serve(app);
    try {
      const now = Math.floor(clock() / 1000);
      for (const request of hostileRequests({
        ref: 'HOOK:v1',
        secret,
        now,
        count: 400,
        seed: 42,
      })) {
        const response = await fetch(`${server.url}/hook`, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
        });
        const text = await response.text();
        expect(response.status, JSON.stringify(request.headers)).toBe(request.valid ? 200 : 401);
        if (request.valid)
          expect(JSON.parse(text)).toEqual({ bytes: Buffer.byteLength(request.body) });
      }
    } finally {
      await server.close();
      await baton.close();
    }
  });
});
