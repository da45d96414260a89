/**
 * The secrets API the `server` suite loads, in its own process: the service's handler, and
 * beside it `/bare/secrets/{path}`, the same read without authentication and decryption
 * (the same PostgreSQL query, its row answered as JSON), the baseline of the GET route.
 * The service logs JSON lines to stdout, which the bench discards, as in production.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBaton, envSource } from '@baton/core';
import { createSecretsService } from '@baton/server';
import pg from 'pg';
import { reportListening } from '../http.js';

/** Set by the suite that starts this process. */
const env = (name: string): string => process.env[name] ?? '';
const baton = createBaton({ sources: [envSource()], audit: false });
await baton.register('SECRETS_API_KEY', 'SECRETS_API_KEY:v1');
const service = createSecretsService({
  connectionString: env('BENCH_DATABASE_URL'),
  schema: env('BENCH_SCHEMA'),
  auth: {
    jwksUrl: env('BENCH_JWKS_URL'),
    issuer: env('BENCH_ISSUER'),
    audience: env('BENCH_AUDIENCE'),
  },
  baton,
});
await service.ready();
const pool = new pg.Pool({ connectionString: env('BENCH_DATABASE_URL'), max: 10 });
const table = `"${env('BENCH_SCHEMA')}"`;

const server = createServer((req, res) => {
  if (!req.url?.startsWith('/bare/secrets/')) return service.handler(req, res);
  const path = req.url.slice('/bare/secrets/'.length);
  pool
    .query(
      `SELECT v.path, v.version, v.created_at FROM ${table}.secret_heads h JOIN ${table}.secret_versions v
         ON v.path = h.path AND v.version = h.version WHERE h.path = $1`,
      [path],
    )
    .then(({ rows }) => {
      const row = rows[0];
      const body = JSON.stringify({
        path: row.path,
        version: row.version,
        createdAt: row.created_at,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    })
    .catch(() => res.writeHead(500).end());
});
server.listen(0, '127.0.0.1', () => reportListening((server.address() as AddressInfo).port));
process.on('SIGTERM', () => {
  server.close();
  void Promise.all([service.close(), pool.end()]).finally(() => process.exit(0));
});
