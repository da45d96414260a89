import { type Baton, BatonError, tryParseRef } from '@baton/core';
import { injectSecrets, verifyRef } from '@baton/express';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { LINK_TTL_MS, linkIsValid, linkSignature } from './download-link.js';

/** Files the download route serves. */
const FILES: Readonly<Record<string, string>> = {
  'report.csv': 'month,revenue\n2030-01,1999\n2030-02,2499\n',
};

/**
 * The example service: a webhook (signature proof), an API (value proof), download links
 * signed with an injected secret, and admin routes that promote refs.
 *
 * @example
 * const app = createApp(await createExampleBaton());
 * app.listen(3000);
 */
export function createApp(baton: Baton): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/', (_req, res) => {
    res.json({
      routes: [
        'POST /webhooks/payments   signed with WEBHOOK_SECRET (x-baton-signature)',
        'GET  /api/reports         API key: x-baton-ref API_KEY:vN + x-baton-key',
        'GET  /api/download-link   API key; answers a link signed with DOWNLOAD_SIGNING_KEY',
        'GET  /downloads/:file     follows a signed link',
        'POST /admin/promote       admin key (ADMIN_KEY); body {"logical","ref"}',
        'GET  /admin/status        admin key; the rotation registry',
      ],
    });
  });

  // A webhook: the sender signs the raw body; verifyRef reads it and leaves the bytes in req.body.
  app.post('/webhooks/payments', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), (req, res) => {
    let event: { type?: unknown };
    try {
      event = JSON.parse((req.body as Buffer).toString('utf8'));
    } catch {
      res.status(400).json({ error: 'invalid_json' });
      return;
    }
    res.json({
      received: typeof event?.type === 'string' ? event.type : null,
      ref: req.baton?.ref,
      match: req.baton?.match,
    });
  });

  // API keys: the caller presents its ref and the key itself.
  const apiKey = verifyRef(baton, { logical: 'API_KEY', proof: 'value' });
  app.get('/api/reports', apiKey, (req, res) => {
    res.json({ reports: Object.keys(FILES), caller: req.baton?.ref, match: req.baton?.match });
  });

  // An injected secret: download links are signed with DOWNLOAD_SIGNING_KEY.
  const signingKey = injectSecrets(baton, ['DOWNLOAD_SIGNING_KEY']);
  app.get('/api/download-link', apiKey, signingKey, (req, res) => {
    const file = typeof req.query.file === 'string' ? req.query.file : 'report.csv';
    if (!Object.hasOwn(FILES, file)) {
      res.status(404).json({ error: 'no_such_file' });
      return;
    }
    const key = req.secrets?.DOWNLOAD_SIGNING_KEY ?? '';
    const expires = Math.floor((baton.clock() + LINK_TTL_MS) / 1000);
    const signature = linkSignature(key, file, expires);
    res.json({ url: `/downloads/${file}?expires=${expires}&signature=${signature}` });
  });
  app.get('/downloads/:file', signingKey, (req, res) => {
    const file = req.params.file as string;
    const key = req.secrets?.DOWNLOAD_SIGNING_KEY ?? '';
    const valid = linkIsValid(key, file, req.query.expires, req.query.signature, baton.clock());
    if (!valid || !Object.hasOwn(FILES, file)) {
      res.status(403).json({ error: 'forbidden' });
      return;
    }
    res.type('text/csv').send(FILES[file]);
  });

  // Admin: protected by verifyRef itself (value proof). The JSON parser comes after it:
  // value proof never reads the body.
  const adminKey = verifyRef(baton, { logical: 'ADMIN_KEY', proof: 'value' });
  app.post('/admin/promote', adminKey, express.json(), async (req, res) => {
    const { logical, ref } = (req.body ?? {}) as { logical?: unknown; ref?: unknown };
    if (typeof logical !== 'string' || typeof ref !== 'string') {
      res.status(400).json({ error: 'bad_request', message: 'send {"logical": …, "ref": …}' });
      return;
    }
    if (baton.status(logical) === undefined) {
      // Not echoed: an unknown name may be anything, a pasted secret included.
      res.status(404).json({ error: 'no_entry', message: 'logical is not a registered name' });
      return;
    }
    if (tryParseRef(ref)?.name !== logical) {
      const message = `ref must be a ref of ${logical}, such as ${logical}:v2`;
      res.status(400).json({ error: 'bad_request', message });
      return;
    }
    try {
      // Promote only a ref this service can read: otherwise every caller would get 503s.
      await baton.getSecret(ref);
      const result = await baton.promote(logical, ref, { actor: `admin ${req.baton?.ref}` });
      res.json(result);
    } catch (error) {
      if (!(error instanceof BatonError)) throw error;
      // Baton's messages name refs and sources, never values. A missing secret or a lost
      // compare-and-set is a conflict with the current state; a failing source or store is ours.
      const status =
        error.code === 'BATON_NOT_FOUND' || error.code === 'BATON_CONFLICT' ? 409 : 503;
      res.status(status).json({ error: error.code, message: error.message });
    }
  });
  app.get('/admin/status', adminKey, (_req, res) => {
    res.json(baton.status());
  });

  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A body parser refusing the request (malformed JSON, too large): the caller's mistake.
      res.status(status).json({ error: 'bad_request' });
      return;
    }
    process.stderr.write(`example-express: ${describe(error)}\n`);
    res.status(500).json({ error: 'internal' });
  };
  app.use(errors);
  return app;
}

/** An error for the operator's log: Baton errors are safe to print whole; others by name. */
function describe(error: unknown): string {
  if (error instanceof BatonError) return `${error.name} (${error.code}): ${error.message}`;
  return error instanceof Error ? error.name : typeof error;
}
