/**
 * A local OpenID-style issuer for tests and benchmarks of the secrets API: key pairs made
 * with `jose`, the public keys served as a JWKS over real HTTP on an ephemeral port (counting
 * fetches), and tokens signed with them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'secrets-api';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface TokenOptions {
  sub?: string;
  scope?: string;
  scp?: string[];
  iss?: string;
  aud?: string;
  /** Seconds from now; default 300. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  kid?: string;
  /** Sign with a key the JWKS does not publish. */
  key?: SigningKey;
}

export async function makeKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

/**
 * Starts the issuer on 127.0.0.1, port 0.
 *
 * @example
 * const issuer = await startIssuer();
 * const token = await issuer.token({ scope: 'secrets:read' });
 */
export async function startIssuer() {
  const keys: SigningKey[] = [await makeKey('key-1')];
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    get fetches() {
      return fetches;
    },
    /** The first key's public JWK, as published. */
    get publicJwk() {
      return (keys[0] as SigningKey).publicJwk;
    },
    /** Publishes a new signing key (a key rotation at the issuer). */
    async addKey(kid: string): Promise<SigningKey> {
      const key = await makeKey(kid);
      keys.push(key);
      return key;
    },
    async token(options: TokenOptions = {}): Promise<string> {
      const key = options.key ?? (keys[0] as SigningKey);
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {};
      if (options.scope !== undefined) claims.scope = options.scope;
      if (options.scp !== undefined) claims.scp = options.scp;
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? key.kid })
        .setSubject(options.sub ?? 'alice')
        .setIssuer(options.iss ?? ISSUER)
        .setAudience(options.aud ?? AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresIn ?? 300));
      if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Issuer = Awaited<ReturnType<typeof startIssuer>>;
