import { createHmac } from 'node:crypto';

/** One generated request and whether a correct verifier must accept it. */
export interface HostileRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly valid: boolean;
}

export interface HostileRequestOptions {
  /** The logical name the route verifies, and a ref of it that is current. */
  readonly ref: string;
  /** That ref's secret. */
  readonly secret: string;
  /** Unix seconds the verifier's clock reads. */
  readonly now: number;
  /** Requests to make. */
  readonly count: number;
  /** The seed: the same seed makes the same requests. */
  readonly seed: number;
}

/**
 * Requests for fuzzing a verifier with the `x-baton-*` protocol: mostly hostile (refs of other
 * names, token-like and overlong refs, garbage and far-off timestamps, signatures over another
 * body or with another secret, wrong schemes, odd characters, empty headers), some correctly
 * signed. Seeded, so a failure is reproduced by its seed.
 *
 * @example
 * for (const request of hostileRequests({ ref: 'HOOK:v1', secret, now, count: 500, seed: 7 })) …
 */
export function* hostileRequests(options: HostileRequestOptions): Generator<HostileRequest> {
  const random = seeded(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const name = options.ref.split(':')[0] as string;
  const sign = (secret: string, timestamp: string, body: string) =>
    `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  for (let index = 0; index < options.count; index++) {
    const body = pick(bodies(random));
    const timestamp = String(options.now + pick(OFFSETS));
    const within = Math.abs(Number(timestamp) - options.now) <= 300;
    const good = sign(options.secret, timestamp, body);
    const refChoice = pick([
      options.ref,
      options.ref,
      options.ref.toUpperCase().replace(`${name.toUpperCase()}:V`, `${name}:V`),
      `${name}:v999`,
      `${name}`,
      `OTHER_${name}:v1`,
      `ghp_${Math.floor(random() * 1e16).toString(36)}x9Zq2Lm7Pw4Rt`,
      'a'.repeat(300),
      '',
      '::',
      `${name}:v0`,
      `${name}:v01`,
    ]);
    const refValid =
      refChoice === options.ref || refChoice.toLowerCase() === options.ref.toLowerCase();
    const signatureChoice = pick([
      good,
      good,
      good,
      good.toUpperCase().replace('V1=', 'v1='),
      sign(`${options.secret}x`, timestamp, body),
      sign(options.secret, timestamp, `${body} `),
      good.slice(0, -1),
      `v2=${good.slice(3)}`,
      `v1=${'g'.repeat(64)}`,
      '',
      `${good} ${good}`,
    ]);
    const signatureValid =
      signatureChoice === good || signatureChoice === good.toUpperCase().replace('V1=', 'v1=');
    const headers: Record<string, string> = {};
    if (random() > 0.05) headers['x-baton-ref'] = refChoice;
    if (random() > 0.05) headers['x-baton-timestamp'] = pick(timestamps(timestamp));
    if (random() > 0.05) headers['x-baton-signature'] = signatureChoice;
    const valid =
      headers['x-baton-ref'] !== undefined &&
      refValid &&
      headers['x-baton-timestamp'] === timestamp &&
      within &&
      headers['x-baton-signature'] !== undefined &&
      signatureValid;
    yield { headers, body, valid };
  }
}

export interface HostileWebhookOptions {
  /** The secret of the route's logical name, `whsec_…` or raw. */
  readonly secret: string;
  /** Unix seconds the verifier's clock reads. */
  readonly now: number;
  /** Requests to make. */
  readonly count: number;
  /** The seed: the same seed makes the same requests. */
  readonly seed: number;
}

/**
 * Requests for fuzzing a verifier with the Standard Webhooks protocol: ids with dots, spaces,
 * nothing or too much in them, garbage and far-off timestamps, signature lists with the right
 * signature among wrong ones, in other schemes, unpadded, past the 8 a verifier looks at, or
 * over another body or secret; some correctly signed. Every id is new, so replays play no part.
 *
 * @example
 * for (const request of hostileWebhookRequests({ secret, now, count: 500, seed: 7 })) …
 */
export function* hostileWebhookRequests(options: HostileWebhookOptions): Generator<HostileRequest> {
  const random = seeded(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const key = options.secret.startsWith('whsec_')
    ? Buffer.from(options.secret.slice(6), 'base64')
    : Buffer.from(options.secret);
  const other = Buffer.concat([key, Buffer.from('x')]);
  const sign = (secret: Buffer, id: string, timestamp: string, body: string) =>
    createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
  for (let index = 0; index < options.count; index++) {
    const body = pick(bodies(random));
    const fresh = `msg_${index}_${Math.floor(random() * 1e9).toString(36)}`;
    const id = pick([fresh, fresh, fresh, `${fresh}.x`, `${fresh} x`, '', 'x'.repeat(257)]);
    const timestamp = String(options.now + pick(OFFSETS));
    const within = Math.abs(Number(timestamp) - options.now) <= 300;
    const good = `v1,${sign(key, id, timestamp, body)}`;
    const unpadded = good.replace(/=+$/, '');
    const wrong = [
      `v1,${sign(other, id, timestamp, body)}`,
      `v1,${sign(key, id, timestamp, `${body} `)}`,
      `v1a,${good.slice(3)}`,
      `v2,${good.slice(3)}`,
      good.slice(0, -2),
      'v1,!!!!',
    ];
    const list = pick([
      [good],
      [good],
      [pick(wrong), good],
      [unpadded],
      [pick(wrong)],
      [pick(wrong), pick(wrong)],
      [...Array.from({ length: 8 }, () => pick(wrong)), good],
      [`V1,${good.slice(3)}`],
      [good, 'x'.repeat(1100)],
    ]);
    const signature = list.join(' ');
    const headers: Record<string, string> = {};
    if (random() > 0.05) headers['webhook-id'] = id;
    if (random() > 0.05) headers['webhook-timestamp'] = pick(timestamps(timestamp));
    if (random() > 0.05) headers['webhook-signature'] = signature;
    const valid =
      headers['webhook-id'] === fresh &&
      headers['webhook-timestamp'] === timestamp &&
      within &&
      headers['webhook-signature'] !== undefined &&
      signature.length <= 1024 &&
      list.slice(0, 8).some((entry) => entry === good || entry === unpadded);
    yield { headers, body, valid };
  }
}

const OFFSETS = [0, 0, 0, -1, 1, -299, 299, 301, -301, 86_400];

/** The bodies both generators send: empty, JSON, large, and characters outside ASCII. */
function bodies(random: () => number): string[] {
  return [
    '',
    '{}',
    '{"id":1}',
    'x'.repeat(Math.floor(random() * 4000)),
    '\u00e9\u2028\ud83d\ude00',
  ];
}

/** A timestamp header: mostly the signed one, sometimes garbage. */
function timestamps(timestamp: string): string[] {
  return [timestamp, timestamp, timestamp, `${timestamp}.5`, '-1', 'now', '9'.repeat(40)];
}

/** A small deterministic generator (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
