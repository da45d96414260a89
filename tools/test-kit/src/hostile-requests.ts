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
    const body = pick([
      '',
      '{}',
      '{"id":1}',
      'x'.repeat(Math.floor(random() * 4000)),
      '\u00e9\u2028\ud83d\ude00',
    ]);
    const timestamp = String(options.now + pick([0, 0, 0, -1, 1, -299, 299, 301, -301, 86_400]));
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
    if (random() > 0.05)
      headers['x-baton-timestamp'] = pick([
        timestamp,
        timestamp,
        timestamp,
        `${timestamp}.5`,
        '-1',
        'now',
        '9'.repeat(40),
      ]);
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
