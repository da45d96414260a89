/**
 * The requests every adapter suite measures, each bare and verified: a signed webhook
 * (signature proof over a JSON body) and an API-key read (value proof).
 */
import { computeSignature } from '@baton/core';
import type { HttpVariant } from './http.js';

/** Secret values handed to the server under test through its environment. */
export const ADAPTER_SECRETS = {
  WEBHOOK_SECRET_V1: 'bench-webhook-secret-0123456789abcdef',
  API_KEY_V1: 'bench-api-key-fedcba9876543210',
};

const BODY = JSON.stringify({
  type: 'invoice.paid',
  id: 'in_1NqR4x2eZvKYlo2C',
  amount: 1999,
  currency: 'eur',
  customer: { id: 'cus_9s6XKzkNRiz8i3', email: 'billing@example.com' },
});

/** The yardstick of the adapters' targets: the same check written by hand in the route. */
export const HAND_WRITTEN = {
  name: 'POST webhook, hand-written HMAC check',
  label: 'hand-written',
} as const;

/** Variants for `compareHttp`; signed with a fresh timestamp (the tolerance is 300 s). */
export async function adapterVariants(url: string): Promise<{
  webhook: HttpVariant[];
  reports: HttpVariant[];
}> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signed = {
    'content-type': 'application/json',
    'x-baton-ref': 'WEBHOOK_SECRET:v1',
    'x-baton-timestamp': String(timestamp),
    'x-baton-signature': await computeSignature(ADAPTER_SECRETS.WEBHOOK_SECRET_V1, timestamp, BODY),
  };
  const key = { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': ADAPTER_SECRETS.API_KEY_V1 };
  return {
    webhook: [
      { name: 'POST webhook, bare', url: `${url}/bare/webhook`, headers: signed, body: BODY },
      {
        name: HAND_WRITTEN.name,
        url: `${url}/handwritten/webhook`,
        headers: signed,
        body: BODY,
      },
      {
        name: 'POST webhook, verifyRef signature',
        url: `${url}/verified/webhook`,
        headers: signed,
        body: BODY,
      },
    ],
    reports: [
      { name: 'GET reports, bare', url: `${url}/bare/reports`, method: 'GET', headers: key },
      {
        name: 'GET reports, verifyRef value',
        url: `${url}/verified/reports`,
        method: 'GET',
        headers: key,
      },
    ],
  };
}
