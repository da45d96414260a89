import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  type EmulatorControls,
  emulatorControls,
  FaultInjector,
  listen,
  parseJsonObject,
  RequestLog,
  readBody,
  sleep,
} from '@baton-tools/emulator-kit';
import { AccessControl, type AccessPolicies } from './access-policy.js';
import { ApiError } from './api-error.js';
import { type Faults, faultError } from './faults.js';
import { type Caller, createOperations } from './operations.js';
import { AWSCURRENT, SecretStore } from './secret-store.js';

/** Options of {@link startAwsSecretsManagerEmulator}; every one has a default. */
export interface AwsSecretsManagerEmulatorOptions {
  /** Port to listen on. Default 0: an ephemeral port, read it from `endpoint`. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Region in ARNs. Default `us-east-1`. */
  region?: string;
  /** Account id in ARNs. Default `123456789012`. */
  accountId?: string;
  /** Secrets to create at start: name → value (labelled `AWSCURRENT`). */
  seed?: Readonly<Record<string, string>>;
  /** IAM-style policies per access key id. Default: none, every caller may do everything. */
  policies?: AccessPolicies;
  /** Faults from the start (see {@link Faults}). Default: none. */
  faults?: Faults;
  /** Random source for fault rates, so a run can be repeated. Default `Math.random`. */
  random?: () => number;
  /** Epoch milliseconds for dates in answers. Default `Date.now`. */
  clock?: () => number;
}

/** One request the emulator answered. */
export interface RequestRecord {
  operation: string;
  status: number;
  /** The error type answered, if any. */
  errorType?: string;
}

/** A running emulator: its endpoint, its data, its faults, and what it was asked. */
export interface AwsSecretsManagerEmulator extends EmulatorControls<RequestRecord, Faults> {
  /** `http://host:port`: the SDK client's `endpoint`. */
  readonly endpoint: string;
  readonly region: string;
  /** Static credentials any SDK client can sign with (any other key id works too). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * Writes a version directly (not counted as a request): creates the secret if needed,
   * labels the version `stages` (default `AWSCURRENT`) and answers its version id.
   */
  putSecret(
    name: string,
    value: string | Uint8Array,
    options?: { stages?: readonly string[]; versionId?: string },
  ): string;
  /** The labels of each labelled version of a secret, by version id. */
  stages(name: string): Record<string, string[]>;
  /** Makes reads of a secret fail with `DecryptionFailure` (or work again with `false`). */
  disableKey(name: string, disabled?: boolean): void;
}

/** Static credentials for clients of the emulator (not frozen: the SDK annotates them). */
export const EMULATOR_CREDENTIALS = {
  accessKeyId: 'AKIDBATONEMULATOR',
  secretAccessKey: 'baton-emulator-secret-access-key',
};

const TARGET_PREFIX = 'secretsmanager.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_BODY_BYTES = 1_048_576;

/**
 * Starts a local AWS Secrets Manager that speaks the JSON 1.1 protocol (`X-Amz-Target`), so
 * the real SDK client works against it unchanged: point the client's `endpoint` here.
 *
 * @example
 * const emulator = await startAwsSecretsManagerEmulator({ seed: { OPENAI_KEY: 'sk-…' } });
 * const client = new SecretsManagerClient({
 *   endpoint: emulator.endpoint,
 *   region: emulator.region,
 *   credentials: emulator.credentials,
 * });
 */
export async function startAwsSecretsManagerEmulator(
  options: AwsSecretsManagerEmulatorOptions = {},
): Promise<AwsSecretsManagerEmulator> {
  const region = options.region ?? 'us-east-1';
  const store = new SecretStore(
    region,
    options.accountId ?? '123456789012',
    options.clock ?? Date.now,
  );
  const faults = new FaultInjector<Faults>(options.random ?? Math.random);
  if (options.faults !== undefined) faults.set(options.faults);
  const operations = createOperations(store, new AccessControl(options.policies));
  const log = new RequestLog<RequestRecord>();

  const putSecret: AwsSecretsManagerEmulator['putSecret'] = (name, value, put = {}) => {
    const stored =
      typeof value === 'string' ? { secretString: value } : { secretBinary: new Uint8Array(value) };
    const versionId = put.versionId ?? store.newVersionId();
    if (!store.has(name)) {
      const secret = store.create(name, undefined, versionId);
      store.addVersion(secret, stored, versionId, put.stages ?? [AWSCURRENT]);
    } else {
      store.addVersion(store.find(name), stored, versionId, put.stages ?? [AWSCURRENT]);
    }
    return versionId;
  };
  for (const [name, value] of Object.entries(options.seed ?? {})) putSecret(name, value);

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const answer = (status: number, body: unknown, errorType?: string) => {
      log.record({ operation: operation || '(none)', status, errorType });
      response.writeHead(status, {
        'content-type': CONTENT_TYPE,
        'x-amzn-requestid': requestId,
      });
      response.end(JSON.stringify(body));
    };
    try {
      const body = await readBody(
        request,
        MAX_BODY_BYTES,
        () => new ApiError('SerializationException', 'The request body is too large.'),
      );
      if (request.method !== 'POST') {
        throw new ApiError('UnknownOperationException', 'Only POST requests are supported.');
      }
      const run = operations[operation];
      if (run === undefined) {
        throw new ApiError(
          'UnknownOperationException',
          `Unknown operation: ${target || '(no X-Amz-Target)'}`,
        );
      }
      const caller = callerOf(request);
      await sleep(faults.latency(operation));
      const fault = faults.draw(operation);
      if (fault !== undefined) throw faultError(fault);
      answer(
        200,
        run(
          parseJsonObject(
            body,
            () => new ApiError('SerializationException', 'The request body is not a JSON object.'),
          ),
          caller,
        ),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      answer(error.status, { __type: error.type, Message: error.message }, error.type);
    }
  }

  const { host, port } = await listen(server, options.port, options.host);

  return {
    endpoint: `http://${host}:${port}`,
    region,
    credentials: { ...EMULATOR_CREDENTIALS },
    putSecret,
    stages: (name) => store.versionIdsToStages(store.find(name)),
    disableKey(name, disabled = true) {
      store.find(name).keyDisabled = disabled;
    },
    ...emulatorControls(log, faults, server),
  };
}

function callerOf(request: IncomingMessage): Caller {
  const authorization = String(request.headers.authorization ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\//.exec(authorization);
  if (match === null) {
    throw new ApiError(
      'MissingAuthenticationTokenException',
      'Missing or malformed SigV4 Authorization header.',
    );
  }
  return { accessKeyId: match[1] as string };
}
