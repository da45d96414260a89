import { createBaton, envSource } from '@baton/core';
import { compareHttp, startServer } from '../http.js';

const SECRETS = { WEBHOOK_SECRET_V1: 'bench-webhook-secret-one', API_KEY_V1: 'bench-api-key-one' };

/**
 * HTTP overhead of @baton/express: a small JSON POST route bare (express.raw() and a JSON
 * answer) beside the same route behind verifyRef, measured in one run against a server in
 * its own process. Target: verifyRef with signature proof at ≥ 85% of the bare route.
 */
export default async function expressSuite(): Promise<void> {
  const server = await startServer(
    new URL('../servers/express-server.ts', import.meta.url),
    SECRETS,
  );
  try {
    // The sending side signs once: the timestamp stays inside the 300 s tolerance for the run.
    const sender = createBaton({ sources: [envSource({ env: SECRETS })], audit: false });
    await sender.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
    const body = JSON.stringify({ type: 'invoice.paid', id: 'in_1001', amount: 1999 });
    const json = { 'content-type': 'application/json' };
    const signed = { ...json, ...(await sender.sign('WEBHOOK_SECRET', body)) };
    const keyed = {
      ...json,
      'x-baton-ref': 'API_KEY:v1',
      'x-baton-key': SECRETS.API_KEY_V1,
    };
    await sender.close();
    await compareHttp(
      'Express: small POST route, bare vs verifyRef (audit: JSON lines)',
      [
        { name: 'bare (express.raw)', url: `${server.url}/bare`, headers: json, body },
        {
          name: 'hand-written HMAC check (express.raw)',
          url: `${server.url}/handwritten`,
          headers: signed,
          body,
        },
        {
          name: 'verifyRef signature (reads body)',
          url: `${server.url}/verified`,
          headers: signed,
          body,
        },
        {
          name: 'express.raw + verifyRef signature',
          url: `${server.url}/raw-then-verified`,
          headers: signed,
          body,
        },
        { name: 'verifyRef value (API key)', url: `${server.url}/api-key`, headers: keyed, body },
      ],
      {
        server,
        reference: { name: 'hand-written HMAC check (express.raw)', label: 'hand-written' },
        // A ~200 us route whose CPU per request swings by ±15 us from round to round here:
        // nine rounds give the 5 us target a median that holds from run to run.
        rounds: 9,
        durationSec: 3,
      },
    );
  } finally {
    await server.stop();
  }
}
