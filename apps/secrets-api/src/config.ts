import { readFileSync } from 'node:fs';
import { ConfigError } from '@baton/core';
import {
  DEFAULT_KEY_LOGICAL,
  DEFAULT_SCHEMA,
  type ValidationRule,
  type WebhookTarget,
} from '@baton/server';

/** Where the service listens when BATON_API_PORT is not set. */
export const DEFAULT_PORT = 8200;
export const DEFAULT_HOST = '127.0.0.1';

/** The service's settings, read from its environment. */
export interface ApiConfig {
  databaseUrl: string;
  jwksUrl: string;
  issuer: string;
  audience: string;
  keyLogical: string;
  port: number;
  host: string;
  schema: string;
  validation: ValidationRule[];
  webhooks: WebhookTarget[];
}

/**
 * Reads the fixed variables (BATON_API_DATABASE_URL, BATON_API_JWKS_URL, BATON_API_ISSUER,
 * BATON_API_AUDIENCE, BATON_API_KEY, BATON_API_PORT) and the optional ones (BATON_API_HOST,
 * BATON_API_SCHEMA, BATON_API_CONFIG: a JSON file of `validation` rules and `webhooks`).
 * Every problem is reported at once, by name; values are never echoed.
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>): ApiConfig {
  const problems: string[] = [];
  const required = (name: string, what: string) => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      problems.push(`${name} is required: ${what}`);
      return '';
    }
    return value.trim();
  };
  const databaseUrl = required(
    'BATON_API_DATABASE_URL',
    'the PostgreSQL URL, postgres://user@host:5432/db',
  );
  const jwksUrl = required(
    'BATON_API_JWKS_URL',
    'the JWKS URL of your token issuer (there is no unauthenticated mode)',
  );
  const issuer = required('BATON_API_ISSUER', "the tokens' iss");
  const audience = required('BATON_API_AUDIENCE', "the tokens' aud naming this service");
  const portText = env.BATON_API_PORT?.trim() || String(DEFAULT_PORT);
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) {
    problems.push('BATON_API_PORT must be a whole number from 0 to 65535 (0 picks a free port)');
  }
  let file: { validation?: ValidationRule[]; webhooks?: WebhookTarget[] } = {};
  const configPath = env.BATON_API_CONFIG?.trim();
  if (configPath) {
    try {
      file = JSON.parse(readFileSync(configPath, 'utf8'));
      if (typeof file !== 'object' || file === null || Array.isArray(file))
        throw new Error('shape');
    } catch {
      problems.push(
        `BATON_API_CONFIG: ${configPath} must be a readable JSON file { "validation": [...], "webhooks": [...] }`,
      );
      file = {};
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl,
    jwksUrl,
    issuer,
    audience,
    keyLogical: env.BATON_API_KEY?.trim() || DEFAULT_KEY_LOGICAL,
    port,
    host: env.BATON_API_HOST?.trim() || DEFAULT_HOST,
    schema: env.BATON_API_SCHEMA?.trim() || DEFAULT_SCHEMA,
    validation: file.validation ?? [],
    webhooks: file.webhooks ?? [],
  };
}
