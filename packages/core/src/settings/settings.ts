import type { output, ZodType } from 'zod';
import { z } from 'zod';
import type { Baton } from '../baton.js';
import { defaultBaton } from '../default-baton.js';
import { BatonError, ConfigError, SecretNotFoundError } from '../errors.js';
import { describeRules } from '../schema-issues.js';
import { parseRef } from '../secret-ref.js';
import { SECRET_FORMATS, type SecretFormat } from './formats.js';

export interface SecretOptions {
  /** Check the value against the shape of a well-known key. */
  format?: SecretFormat;
}

export interface LoadSettingsOptions {
  /** The Baton whose source chain provides the values. Default: the default instance. */
  baton?: Baton;
}

type Shape = Readonly<Record<string, ZodType>>;

/** A loaded settings object: typed values, with sensitive ones redacted when printed. */
export type Settings<S extends Shape> = { readonly [K in keyof S]: output<S[K]> };

const REDACTED = '[redacted]';
const sensitive = new WeakMap<ZodType, SecretOptions>();

/**
 * Marks a setting as sensitive: it is redacted in `toString`, `JSON.stringify` and
 * `util.inspect`, it cannot have a default, and errors about it never quote it.
 * Without a schema the value must be a non-empty string.
 *
 * @example
 * secret({ format: 'anthropic' });
 * secret(z.string().min(32));
 */
export function secret(options?: SecretOptions): ZodType<string>;
export function secret<T extends ZodType>(schema: T, options?: SecretOptions): T;
export function secret(
  schemaOrOptions?: ZodType | SecretOptions,
  maybeOptions?: SecretOptions,
): ZodType {
  const isSchema = schemaOrOptions instanceof z.ZodType;
  const schema = isSchema ? schemaOrOptions : z.string().min(1);
  const options = (isSchema ? maybeOptions : schemaOrOptions) ?? {};
  if (options.format !== undefined && !(options.format in SECRET_FORMATS)) {
    throw new ConfigError(
      `secret(): unknown format "${options.format}"; known formats: ${Object.keys(SECRET_FORMATS).join(', ')}`,
    );
  }
  const empty = schema.safeParse(undefined);
  if (empty.success && empty.data !== undefined) {
    throw new ConfigError(
      'secret(): a sensitive setting cannot have a default; supply it through a source',
    );
  }
  const marked = schema.clone();
  sensitive.set(marked, options);
  return marked;
}

/**
 * Loads settings through the source chain, validates them with zod, and fails fast with one
 * `ConfigError` that lists every missing or invalid name (never a value). Each key is a ref:
 * `PORT`, `OPENAI_API_KEY`, `'WEBHOOK_SECRET:v2'`.
 *
 * @example
 * const settings = await loadSettings({
 *   PORT: z.coerce.number().int().default(3000),
 *   ANTHROPIC_API_KEY: secret({ format: 'anthropic' }),
 * }, { baton });
 */
export async function loadSettings<const S extends Shape>(
  shape: S,
  options: LoadSettingsOptions = {},
): Promise<Settings<S>> {
  const names = Object.keys(shape);
  const refIssues = names.flatMap((name) => {
    try {
      parseRef(name);
      return [];
    } catch (error) {
      return [`setting key ${JSON.stringify(name)} is not a ref: ${(error as Error).message}`];
    }
  });
  if (refIssues.length > 0) throw new ConfigError(refIssues);

  const resolved = await resolveAll(options.baton ?? defaultBaton(), names);
  const issues: string[] = [];
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const schema = shape[name] as ZodType;
    const secretOptions = sensitive.get(schema);
    const found = resolved.get(name);
    if (found instanceof BatonError && !(found instanceof SecretNotFoundError)) {
      issues.push(`${name} could not be read: ${found.message}`);
      continue;
    }
    const raw = found instanceof SecretNotFoundError ? undefined : found;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      issues.push(
        raw === undefined
          ? `${name} is missing`
          : `${name} is invalid: ${describeIssues(parsed.error.issues, raw, secretOptions !== undefined)}`,
      );
      continue;
    }
    const format = secretOptions?.format;
    if (
      format !== undefined &&
      typeof parsed.data === 'string' &&
      !SECRET_FORMATS[format].pattern.test(parsed.data)
    ) {
      issues.push(`${name} does not look like ${SECRET_FORMATS[format].expected}`);
      continue;
    }
    values[name] = parsed.data;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return redacting(values, new Set(names.filter((name) => sensitive.has(shape[name] as ZodType))));
}

/**
 * Fails with one `ConfigError` naming every ref that no source has (or that cannot be read).
 *
 * @example
 * await checkRequiredSecrets(['OPENAI_API_KEY', 'WEBHOOK_SECRET:v2'], { baton });
 */
export async function checkRequiredSecrets(
  names: readonly string[],
  options: LoadSettingsOptions = {},
): Promise<void> {
  for (const name of names) parseRef(name);
  const resolved = await resolveAll(options.baton ?? defaultBaton(), names);
  const issues: string[] = [];
  for (const name of names) {
    const found = resolved.get(name);
    if (found instanceof SecretNotFoundError) issues.push(`${name} is missing`);
    else if (found instanceof BatonError)
      issues.push(`${name} could not be read: ${found.message}`);
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Every ref's value or error: one batch read, then the failures one by one for their errors. */
async function resolveAll(
  baton: Baton,
  names: readonly string[],
): Promise<Map<string, string | BatonError>> {
  const results = new Map<string, string | BatonError>();
  try {
    const values = await baton.getSecrets(names);
    for (const name of names) results.set(name, values[name] as string);
    return results;
  } catch {
    // Some refs failed; the others are cached now, so reading one by one costs no more calls.
  }
  const settled = await Promise.allSettled(names.map((name) => baton.getSecret(name)));
  settled.forEach((result, index) => {
    const name = names[index] as string;
    if (result.status === 'fulfilled') results.set(name, result.value);
    else
      results.set(
        name,
        result.reason instanceof BatonError
          ? result.reason
          : new BatonError('BATON_SOURCE_FAILED', `${name} could not be read`, {
              cause: result.reason,
            }),
      );
  });
  return results;
}

/**
 * What failed in a value. For a sensitive setting only the rules are named (zod's issue codes,
 * with the bound of a size rule), never a validator's message: a custom message may quote the
 * value, or a piece of it, in any spelling. Other settings keep their messages, with the
 * value itself redacted all the same.
 */
function describeIssues(
  issues: readonly { code: string; message: string; minimum?: unknown; maximum?: unknown }[],
  value: unknown,
  sensitive: boolean,
): string {
  if (!sensitive) {
    const message = issues.map((issue) => issue.message).join('; ');
    return typeof value === 'string' && value.length > 0
      ? message.split(value).join(REDACTED)
      : message;
  }
  return `${describeRules(issues)} (messages of sensitive settings are withheld)`;
}

/** Builds the settings object: sensitive values are readable but not enumerable or printable. */
function redacting<S extends Shape>(
  values: Record<string, unknown>,
  secrets: ReadonlySet<string>,
): Settings<S> {
  const printable = (): Record<string, unknown> =>
    Object.fromEntries(
      Object.keys(values).map((name) => [name, secrets.has(name) ? REDACTED : values[name]]),
    );
  const target: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(target, name, { value, enumerable: !secrets.has(name) });
  }
  const describe = () => `Settings ${JSON.stringify(printable())}`;
  Object.defineProperties(target, {
    toJSON: { value: printable },
    toString: { value: describe },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: printable },
  });
  return Object.freeze(target) as Settings<S>;
}
