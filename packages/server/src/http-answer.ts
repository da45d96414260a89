import type { ServerResponse } from 'node:http';

/** The bodies of refusals, named once: a client matches on `error`. */
export const ERROR_BODIES = Object.freeze({
  invalidToken: { error: 'invalid_token' },
  insufficientScope: { error: 'insufficient_scope' },
  notFound: { error: 'not_found' },
  methodNotAllowed: { error: 'method_not_allowed' },
  invalidPath: { error: 'invalid_path' },
  invalidVersion: { error: 'invalid_version' },
  invalidJson: { error: 'invalid_json' },
  unsupportedMediaType: { error: 'unsupported_media_type' },
  payloadTooLarge: { error: 'payload_too_large' },
  unavailable: { error: 'unavailable' },
  undecryptable: { error: 'undecryptable' },
  internal: { error: 'internal' },
} as const);

/** The realm named in `WWW-Authenticate`. */
export const REALM = 'baton-secrets';

/** Writes a JSON answer that no cache keeps (answers may carry secret values). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
