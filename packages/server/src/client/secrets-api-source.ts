import { ConfigError, type ParsedRef, parseRef, type WritableSecretSource } from '@baton/core';
import { SecretsApiError, VersionConflictError } from '../errors.js';
import { isSecretPath } from '../secret-path.js';
import { readServerSentEvents } from './sse-parser.js';

export interface SecretsApiSourceOptions {
  /** The service's base URL, e.g. `https://secrets.internal`. */
  url: string;
  /** A bearer token (JWT), or a function answering a current one (called per request). */
  token: string | (() => string | Promise<string>);
  /** Prepended to a ref's name to make the path: `'billing/'` reads `billing/OPENAI_KEY`. Default `''`. */
  prefix?: string;
  /** The key of a version's `data` that holds the value. Default `'value'`. */
  field?: string;
  /**
   * Follow `/events` and drop Baton's cached values of a name the moment its path changes,
   * so a new version is served at once instead of after the cache's TTL. Default `false`.
   */
  watch?: boolean;
  /** Shown in errors and metrics. Default `'secrets-api'`. */
  name?: string;
  /** The `fetch` to use. Default the global one. */
  fetch?: typeof fetch;
  /** First pause before reconnecting `/events`; it doubles up to 10 s. Default 250. */
  reconnectDelayMs?: number;
  /** Told when the event stream fails (it reconnects by itself). Default: nothing. */
  onError?: (error: unknown) => void;
}

/** A source reading secrets through the API, writable with check-and-set. */
export interface SecretsApiSource extends WritableSecretSource {
  watch?(onChange: (name: string) => void): () => void;
}

const MAX_RECONNECT_DELAY_MS = 10_000;

/**
 * A Baton source on the secrets API, on `fetch` alone (it runs at the edge): `NAME:vN` reads
 * version N of path `{prefix}NAME`, field `field`; `NAME` reads the current version. `put`
 * writes `NAME:vN` with check-and-set on version N-1. With `watch: true` Baton's cache of a
 * name is dropped as soon as `/events` reports its path changed.
 *
 * @example
 * const baton = createBaton({
 *   sources: [secretsApiSource({ url: 'https://secrets.internal', token: process.env.SECRETS_TOKEN ?? '', prefix: 'billing/', watch: true })],
 * });
 * const key = await baton.getSecret('STRIPE_KEY');
 */
export function secretsApiSource(options: SecretsApiSourceOptions): SecretsApiSource {
  const problems: string[] = [];
  let base = '';
  try {
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    base = url.href.replace(/\/+$/, '');
  } catch {
    problems.push('url must be the http(s) URL of the secrets API');
  }
  if (typeof options.token !== 'string' && typeof options.token !== 'function') {
    problems.push('token must be a bearer token or a function answering one');
  }
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !(prefix.endsWith('/') && isSecretPath(prefix.slice(0, -1)))) {
    problems.push('prefix must be a path ending in "/", such as "billing/"');
  }
  const field = options.field ?? 'value';
  if (typeof field !== 'string' || field === '') problems.push('field must be a key of the data');
  if (problems.length > 0) throw new ConfigError(problems);

  const name = options.name ?? 'secrets-api';
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const token = async () =>
    typeof options.token === 'string' ? options.token : await options.token();
  const pathOf = (ref: ParsedRef) => `${prefix}${ref.name}`;
  /** Names read through this source: what a conservative invalidation drops. */
  const seen = new Set<string>();

  async function call(path: string, init: RequestInit & { query?: string } = {}) {
    const { query, ...request } = init;
    return fetchImpl(`${base}/secrets/${path}${query ?? ''}`, {
      ...request,
      headers: {
        authorization: `Bearer ${await token()}`,
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });
  }

  const source: SecretsApiSource = {
    name,
    async get(ref) {
      const path = pathOf(ref);
      seen.add(ref.name);
      const response = await call(path, {
        ...(ref.version === undefined ? {} : { query: `?version=${ref.version}` }),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) throw await failure(path, response);
      const body = (await response.json()) as { data?: Record<string, unknown> };
      const value = body.data?.[field];
      return typeof value === 'string' ? value : undefined;
    },
    async put(refInput, value) {
      const ref = typeof refInput === 'string' ? parseRef(refInput) : refInput;
      const path = pathOf(ref);
      const expected = ref.version === undefined ? undefined : ref.version - 1;
      const response = await call(path, {
        method: 'PATCH',
        body: JSON.stringify({
          data: { [field]: value },
          ...(expected === undefined ? {} : { version: expected }),
        }),
      });
      if (response.status === 409 && expected !== undefined) {
        const body = (await response.json().catch(() => ({}))) as { currentVersion?: unknown };
        const current = typeof body.currentVersion === 'number' ? body.currentVersion : -1;
        throw new VersionConflictError(path, expected, current);
      }
      if (!response.ok) throw await failure(path, response);
      const body = (await response.json()) as { version: number };
      return { versionId: String(body.version) };
    },
    hint(ref) {
      const version = ref.version === undefined ? 'a version' : `version ${ref.version}`;
      return `write ${version} of ${pathOf(ref)} (key "${field}") with PATCH ${base}/secrets/${pathOf(ref)}`;
    },
  };
  if (options.watch === true) {
    source.watch = (onChange) => follow(onChange);
  }
  return source;

  /** Follows `/events` until stopped; answers the stop function. */
  function follow(onChange: (name: string) => void): () => void {
    const controller = new AbortController();
    const { signal } = controller;
    const initialDelay = options.reconnectDelayMs ?? 250;
    const dropAll = () => {
      for (const known of seen) onChange(known);
    };
    const changed = (path: string) => {
      if (!path.startsWith(prefix)) return;
      const candidate = path.slice(prefix.length);
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(candidate)) onChange(candidate);
    };
    void (async () => {
      let lastEventId: string | undefined;
      let delay = initialDelay;
      let connectedBefore = false;
      while (!signal.aborted) {
        try {
          const response = await fetchImpl(`${base}/events`, {
            headers: {
              authorization: `Bearer ${await token()}`,
              accept: 'text/event-stream',
              ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
            },
            signal,
          });
          if (!response.ok || response.body === null) {
            await response.body?.cancel();
            throw new SecretsApiError('/events', response.status, 'the event stream was refused');
          }
          // Whatever changed while disconnected may not be replayed: drop every value read.
          if (connectedBefore) dropAll();
          connectedBefore = true;
          for await (const event of readServerSentEvents(response.body, signal)) {
            delay = initialDelay;
            if (event.id !== undefined) lastEventId = event.id;
            if (event.event === 'reset') dropAll();
            else if (event.event === 'change') {
              const path = (JSON.parse(event.data) as { path?: unknown }).path;
              if (typeof path === 'string') changed(path);
            }
          }
        } catch (error) {
          if (signal.aborted) return;
          options.onError?.(error);
        }
        if (signal.aborted) return;
        dropAll();
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
      }
    })();
    return () => controller.abort();
  }
}

/** An error for an unexpected answer: what to check, never the token. */
async function failure(path: string, response: Response): Promise<SecretsApiError> {
  const body = (await response.json().catch(() => ({}))) as { error?: unknown; rule?: unknown };
  const problem =
    response.status === 401
      ? 'the token was refused (expired, wrong issuer or audience?)'
      : response.status === 403
        ? 'the token lacks the scope for this path'
        : response.status === 422
          ? `the value breaks validation rule ${String(body.rule)}`
          : `unexpected answer${typeof body.error === 'string' ? ` ${body.error}` : ''}`;
  return new SecretsApiError(path, response.status, problem);
}
