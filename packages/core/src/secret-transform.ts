import { decodeBase64 } from './base64.js';
import { conceal } from './conceal.js';
import { MAX_DURATION_MS } from './constants.js';
import { ConfigError, SecretTransformError, WithheldError } from './errors.js';
import { describeRules, type SchemaIssue } from './schema-issues.js';

/** What a read turns the stored text into: `'json'` parses it, `'binary'` decodes base64. */
export type SecretTransform = 'json' | 'binary';

/**
 * A schema as zod (3.24 and later), Valibot, ArkType and others expose it: the Standard Schema
 * interface (https://standardschema.dev). Core needs no schema library to use one.
 */
export interface StandardSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly SchemaIssue[] };

/** The type a schema produces: `z.infer<typeof schema>` for a zod schema. */
export type SchemaOutput<S extends StandardSchema> = NonNullable<S['~standard']['types']>['output'];

/** How fresh a read must be. */
export interface ReadOptions {
  /**
   * Serve the cached value only if it was read from its source at most this many milliseconds
   * ago; otherwise read it again (sharing a read already in flight). `0`: not from the cache.
   */
  maxAgeMs?: number;
  /** Skip the cache: read from the sources (sharing a read already in flight) and cache the answer. */
  forceFetch?: boolean;
}

/** Options of `getSecret`: freshness, and what to turn the value into. */
export interface GetSecretOptions extends ReadOptions {
  /** `'json'` parses the value; `'binary'` decodes it from base64 into bytes. */
  transform?: SecretTransform;
  /**
   * Validates the value (the parsed JSON with `transform: 'json'`, otherwise the text) and
   * answers the schema's output. Failures name the ref and the rules, never the value.
   */
  schema?: StandardSchema;
}

/** Options checked and merged: `maxAgeMs` -1 means "skip the cache". */
export interface ResolvedRead {
  readonly maxAgeMs: number | undefined;
  readonly transform: SecretTransform | undefined;
  readonly schema: StandardSchema | undefined;
}

/** Checks per-call options, reporting every problem in one `ConfigError`. */
export function resolveRead(options: GetSecretOptions, call: string): ResolvedRead {
  const { maxAgeMs, forceFetch, transform, schema } = options ?? {};
  if (
    (maxAgeMs !== undefined &&
      !(typeof maxAgeMs === 'number' && maxAgeMs >= 0 && maxAgeMs <= MAX_DURATION_MS)) ||
    (forceFetch !== undefined && typeof forceFetch !== 'boolean') ||
    (transform !== undefined && transform !== 'json' && transform !== 'binary') ||
    (schema !== undefined &&
      (typeof schema?.['~standard']?.validate !== 'function' || transform === 'binary')) ||
    typeof options !== 'object' ||
    options === null
  ) {
    throw new ConfigError(readIssues(options, call));
  }
  return { maxAgeMs: forceFetch === true ? -1 : maxAgeMs, transform, schema };
}

/** Every problem of per-call options, one message each. */
function readIssues(options: GetSecretOptions, call: string): string[] {
  if (typeof options !== 'object' || options === null)
    return [`${call}: options must be an object`];
  const { maxAgeMs, forceFetch, transform, schema } = options;
  const issues: string[] = [];
  if (
    maxAgeMs !== undefined &&
    !(typeof maxAgeMs === 'number' && maxAgeMs >= 0 && maxAgeMs <= MAX_DURATION_MS)
  ) {
    issues.push(`${call}: maxAgeMs must be a non-negative number of milliseconds`);
  }
  if (forceFetch !== undefined && typeof forceFetch !== 'boolean') {
    issues.push(`${call}: forceFetch must be true or false`);
  }
  if (transform !== undefined && transform !== 'json' && transform !== 'binary') {
    issues.push(`${call}: transform must be 'json' or 'binary'`);
  }
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    issues.push(`${call}: schema must be a Standard Schema (a zod schema, or Valibot, ArkType, …)`);
  } else if (schema !== undefined && transform === 'binary') {
    issues.push(`${call}: schema applies to text or JSON; it cannot follow transform 'binary'`);
  }
  return issues;
}

/** One transformed value, kept with the text it came from. */
interface Transformed {
  readonly raw: string;
  readonly result: unknown;
}

/**
 * Turns values into what reads ask for, once per value: results are kept per ref and
 * transform (and per schema), and made again only when the text they came from changes. JSON
 * results are frozen, so one caller cannot change what another reads; bytes are copied per
 * read; a schema's output is shared as it is (treat it as read-only).
 */
export class SecretTransformer {
  private readonly json = new Map<string, Transformed>();
  private readonly binary = new Map<string, Transformed>();
  /** Per schema object, so schemas made per call are collected with their results. */
  private validated = new WeakMap<StandardSchema, Map<string, Transformed>>();

  constructor(private readonly limit: number) {
    conceal(this, () => `SecretTransformer { ${this.json.size + this.binary.size} values }`);
  }

  /** The value of `ref` (canonical) as asked; a promise only while a schema validates. */
  apply(ref: string, raw: string, read: ResolvedRead): unknown {
    const { transform, schema } = read;
    if (transform === 'binary')
      return (this.made(this.binary, ref, raw, decodeBinary) as Uint8Array).slice();
    const input = transform === 'json' ? this.made(this.json, ref, raw, parseJson) : raw;
    if (schema === undefined) return input;
    let results = this.validated.get(schema);
    const known = results?.get(ref);
    if (known !== undefined && known.raw === raw) return known.result;
    if (results === undefined) {
      results = new Map();
      this.validated.set(schema, results);
    }
    return this.validate(ref, raw, input, schema, results);
  }

  /** Drops what was made from one ref's value, or from every value. */
  forget(ref?: string): void {
    // A WeakMap cannot be walked: schema results go all at once, and are made again once.
    this.validated = new WeakMap();
    if (ref === undefined) {
      this.json.clear();
      this.binary.clear();
      return;
    }
    this.json.delete(ref);
    this.binary.delete(ref);
  }

  private made(
    results: Map<string, Transformed>,
    ref: string,
    raw: string,
    make: (ref: string, raw: string) => unknown,
  ): unknown {
    const known = results.get(ref);
    if (known !== undefined && known.raw === raw) return known.result;
    const result = make(ref, raw);
    remember(results, ref, { raw, result }, this.limit);
    return result;
  }

  private async validate(
    ref: string,
    raw: string,
    input: unknown,
    schema: StandardSchema,
    results: Map<string, Transformed>,
  ): Promise<unknown> {
    const outcome = await schema['~standard'].validate(input);
    if (outcome.issues !== undefined) {
      throw new SecretTransformError(
        ref,
        'schema',
        `does not match the schema: ${describeRules(outcome.issues, true)} (validation messages are withheld: they may quote the value)`,
      );
    }
    remember(results, ref, { raw, result: outcome.value }, this.limit);
    return outcome.value;
  }
}

function remember(
  results: Map<string, Transformed>,
  key: string,
  entry: Transformed,
  limit: number,
): void {
  if (!results.has(key) && results.size >= limit) results.clear();
  results.set(key, entry);
}

function parseJson(ref: string, raw: string): unknown {
  try {
    return deepFreeze(JSON.parse(raw));
  } catch (error) {
    throw new SecretTransformError(
      ref,
      'json',
      "is not valid JSON (transform 'json'; the parser's message is withheld: it quotes the value)",
      { cause: new WithheldError(error) },
    );
  }
}

function decodeBinary(ref: string, raw: string): Uint8Array {
  const bytes = decodeBase64(raw);
  if (bytes === undefined) {
    throw new SecretTransformError(
      ref,
      'binary',
      "is not base64 (transform 'binary' reads standard or URL-safe base64, padded or not)",
    );
  }
  return bytes;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
