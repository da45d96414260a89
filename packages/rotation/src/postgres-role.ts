import { type Baton, ConfigError, describeError, tryParseRef } from '@baton/core';
import type { Client, ClientConfig } from 'pg';
import { encodeBytes, randomBytes } from './encoding.js';
import { RotatorError } from './errors.js';
import type { PendingContext, RotationContext, Rotator } from './rotator.js';
import { scramVerifier } from './scram.js';

export interface PostgresRoleOptions {
  /**
   * The ref of the secret that holds the admin connection URL (`'PG_ADMIN_URL'`), resolved
   * through the Baton at each step: a role that may `ALTER ROLE` both users (a superuser, or
   * one with `CREATEROLE`). The values' host, port, database and parameters are its own.
   * Never the URL itself: that would sit in code, a config file or a command line.
   */
  adminUrl: string;
  /**
   * The two login roles the values alternate between: `NAME:v1` belongs to `users[0]`, and
   * each new version to the user the current one does not log in as, so the previous value
   * keeps working while apps move over. Both roles must exist with the same grants.
   */
  users: readonly [string, string];
  /** Random bytes of each password. Default 32. */
  passwordBytes?: number;
  /**
   * Refuse to change the password of a user that still has open connections (apps on the
   * ref before the previous one): their next connection would fail. Default `true`.
   */
  refuseWhileConnected?: boolean;
  /** How long a connection (admin or test) may take. Default 10 000 ms. */
  connectTimeoutMs?: number;
}

const DEFAULT_PASSWORD_BYTES = 32;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** PostgreSQL's longest identifier (NAMEDATALEN - 1). */
const MAX_ROLE_LENGTH = 63;

/**
 * A rotator for PostgreSQL credentials with the alternating-users strategy: the values are
 * connection URLs `postgres://USER:PASSWORD@HOST:PORT/DB` (host, port and database from the
 * admin URL), and each rotation gives a new password to the user that is *not* in use, so
 * `NAME:vN` and `NAME:vN+1` are both valid logins while apps move from one to the other.
 *
 * - **create**: picks the user the current value does not log in as (`users[0]` for `v1`) and
 *   makes a random password; nothing changes in the database yet.
 * - **set**: `ALTER ROLE user PASSWORD` with a SCRAM-SHA-256 verifier made here, so the
 *   password never reaches the server's logs. Refused for the user of the current value, for
 *   a user not in `users`, and (by default) while the user still has open connections.
 * - **test**: logs in with the new value and checks `current_user`.
 *
 * Needs the `pg` package (a peer dependency, loaded only when a step runs).
 *
 * @example
 * await rotate(baton, 'DB_URL', {
 *   rotator: postgresRole({ adminUrl: 'PG_ADMIN_URL', users: ['app_a', 'app_b'] }),
 *   source: awsSecretsManager({ versions: 'names' }),
 * });
 */
export function postgresRole(options: PostgresRoleOptions): Rotator {
  const settings = resolveOptions(options);
  const { users } = settings;

  const adminConnection = async (baton: Baton) =>
    databaseUrl(await baton.getSecret(settings.adminUrl), `the value of ${settings.adminUrl}`);
  const currentUser = async (ctx: RotationContext) =>
    userOf(
      databaseUrl(await ctx.baton.getSecret(ctx.currentRef), `the value of ${ctx.currentRef}`),
    );

  return {
    name: 'postgresRole',
    async create(ctx) {
      const user = (await currentUser(ctx)) === users[0] ? users[1] : users[0];
      const admin = await adminConnection(ctx.baton);
      if (settings.refuseWhileConnected) {
        // Before anything is written: a user still in use is not rotated now.
        await withClient(admin, settings, 'the admin URL', (client) =>
          assertIdle(client, user, ctx),
        );
      }
      const url = new URL(admin.href);
      url.username = encodeURIComponent(user);
      url.password = encodeBytes(randomBytes(settings.passwordBytes), 'base64url');
      return url.href;
    },

    async set(ctx: PendingContext) {
      const pending = databaseUrl(ctx.pendingValue, `the value of ${ctx.pendingRef}`);
      const user = userOf(pending);
      if (!users.includes(user)) {
        throw new RotatorError(
          `${ctx.pendingRef} logs in as "${user}", which is neither of postgresRole's users ("${users[0]}", "${users[1]}"): refusing to change that role's password`,
        );
      }
      if (user === (await currentUser(ctx))) {
        throw new RotatorError(
          `${ctx.pendingRef} logs in as "${user}", as the current ${ctx.currentRef} does: changing that password would cut off every app on ${ctx.currentRef}`,
        );
      }
      const verifier = await scramVerifier(decodeURIComponent(pending.password));
      await withClient(
        await adminConnection(ctx.baton),
        settings,
        'the admin URL',
        async (client) => {
          if (settings.refuseWhileConnected) await assertIdle(client, user, ctx);
          // The verifier is base64 and `$:` only: nothing in it needs quoting.
          await client.query(
            `ALTER ROLE ${quoteIdentifier(user)} WITH LOGIN PASSWORD '${verifier}'`,
          );
        },
      );
    },

    async test(ctx: PendingContext) {
      const pending = databaseUrl(ctx.pendingValue, `the value of ${ctx.pendingRef}`);
      const user = userOf(pending);
      await withClient(pending, settings, `${ctx.pendingRef} (as "${user}")`, async (client) => {
        const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
        if (rows[0]?.user !== user) {
          throw new RotatorError(`${ctx.pendingRef} logged in, but not as "${user}"`);
        }
      });
    },
  };
}

/** Refuses when `user` has open connections: apps still logging in with its password. */
async function assertIdle(client: Client, user: string, ctx: RotationContext): Promise<void> {
  const { rows } = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
    [user],
  );
  const open = rows[0]?.n ?? 0;
  if (open > 0) {
    throw new RotatorError(
      `"${user}" still has ${open} open connection${open === 1 ? '' : 's'}: apps on a ref of ${ctx.logical} older than ${ctx.currentRef} would fail their next login if its password changed now. Rotate once they have moved to ${ctx.currentRef}`,
    );
  }
}

interface Settings {
  adminUrl: string;
  users: readonly [string, string];
  passwordBytes: number;
  refuseWhileConnected: boolean;
  connectTimeoutMs: number;
}

function resolveOptions(options: PostgresRoleOptions): Settings {
  const issues: string[] = [];
  const adminRef = tryParseRef(options?.adminUrl);
  if (adminRef === undefined) {
    issues.push(
      "postgresRole: adminUrl must be the ref of the secret holding the admin connection URL (e.g. 'PG_ADMIN_URL'), read through Baton; never the URL itself",
    );
  }
  const users = options?.users;
  const validRole = (user: unknown) =>
    typeof user === 'string' && user.length > 0 && user.length <= MAX_ROLE_LENGTH;
  if (!Array.isArray(users) || users.length !== 2 || !users.every(validRole)) {
    issues.push(`postgresRole: users must be two role names (1 to ${MAX_ROLE_LENGTH} characters)`);
  } else if (users[0] === users[1]) {
    issues.push(
      'postgresRole: users must be two different roles, so one keeps working while the other changes',
    );
  }
  const passwordBytes = options?.passwordBytes ?? DEFAULT_PASSWORD_BYTES;
  if (!Number.isInteger(passwordBytes) || passwordBytes < 16 || passwordBytes > 64) {
    issues.push('postgresRole: passwordBytes must be a whole number from 16 to 64');
  }
  const connectTimeoutMs = options?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(typeof connectTimeoutMs === 'number' && connectTimeoutMs > 0)) {
    issues.push('postgresRole: connectTimeoutMs must be a positive number of milliseconds');
  }
  const refuseWhileConnected = options?.refuseWhileConnected ?? true;
  if (typeof refuseWhileConnected !== 'boolean') {
    issues.push('postgresRole: refuseWhileConnected must be a boolean');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    adminUrl: adminRef?.ref ?? '',
    users: [users[0], users[1]],
    passwordBytes,
    refuseWhileConnected,
    connectTimeoutMs,
  };
}

/** Parses a connection URL; the error names what held it, never its text. */
function databaseUrl(text: string, what: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {}
  if (url === undefined || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
    throw new RotatorError(`${what} is not a postgres:// connection URL`);
  }
  if (url.username === '') throw new RotatorError(`${what} names no user`);
  return url;
}

function userOf(url: URL): string {
  return decodeURIComponent(url.username);
}

/** Connects, runs `work`, and always disconnects; PostgreSQL's refusals say what to fix. */
async function withClient<T>(
  url: URL,
  settings: Settings,
  what: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const pg = await loadPg();
  const config: ClientConfig = {
    connectionString: url.href,
    connectionTimeoutMillis: settings.connectTimeoutMs,
  };
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new RotatorError(`could not connect to PostgreSQL with ${what}: ${describePg(error)}`);
    }
    try {
      return await work(client);
    } catch (error) {
      if (error instanceof RotatorError) throw error;
      throw new RotatorError(`PostgreSQL refused a statement as ${what}: ${describePg(error)}`);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function loadPg(): Promise<typeof import('pg').default> {
  try {
    return (await import('pg')).default;
  } catch (error) {
    throw new ConfigError('postgresRole needs the pg package: npm install pg', { cause: error });
  }
}

/**
 * PostgreSQL's own message and SQLSTATE for its errors (they name roles and databases; the
 * statements never carry a password, see `scramVerifier`), the kind of anything else.
 */
function describePg(error: unknown): string {
  const { severity, code } = (error ?? {}) as { severity?: unknown; code?: unknown };
  if (error instanceof Error && typeof severity === 'string' && typeof code === 'string') {
    return `${error.message} (SQLSTATE ${code})`;
  }
  return describeError(error);
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
