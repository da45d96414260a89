import { Webhook } from 'standardwebhooks';

/**
 * The headers of a message signed by the `standardwebhooks` package, as a third-party sender
 * makes them: interop tests verify these with Baton.
 *
 * @example
 * const headers = packageSignedHeaders(secret, 'msg_1', body);
 */
export function packageSignedHeaders(
  secret: string,
  id: string,
  body: string,
  at: Date = new Date(),
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
