/**
 * A PostgreSQL that checks passwords. The shared test server trusts every connection, so a
 * password there proves nothing; postgresRole's tests need a server where a changed password
 * really stops a login. In order of preference:
 *
 * 1. `BATON_TEST_PASSWORD_DATABASE_URL`: a superuser URL of such a server (the compose file's
 *    `postgres-passwords` service: `postgres://postgres:postgres@127.0.0.1:5433/postgres`);
 * 2. a private cluster made here with the PostgreSQL binaries on this machine (`initdb` with
 *    `--auth=scram-sha-256`, listening on 127.0.0.1), logging every statement to a file, and
 *    removed at the end.
 *
 * Without either, the suites skip loudly (and fail under CI=true).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export interface PasswordPostgres {
  /** A superuser connection URL (with its password). */
  readonly adminUrl: string;
  /** The file the private cluster logs every statement to; absent for a given server. */
  readonly logFile?: string;
  stop(): Promise<void>;
}

export async function startPasswordPostgres(): Promise<PasswordPostgres | undefined> {
  const given = process.env.BATON_TEST_PASSWORD_DATABASE_URL;
  if (given !== undefined && given !== '') {
    return { adminUrl: given, stop: async () => undefined };
  }
  const bin = postgresBinaries();
  if (bin === undefined) return unavailable('no PostgreSQL binaries (initdb, postgres) were found');
  return startCluster(bin);
}

function unavailable(why: string): undefined {
  const message =
    `postgresRole's suites need a PostgreSQL that checks passwords, and ${why}. ` +
    'Set BATON_TEST_PASSWORD_DATABASE_URL (e.g. `docker compose up -d postgres-passwords` and ' +
    'postgres://postgres:postgres@127.0.0.1:5433/postgres) or install PostgreSQL.';
  if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this fails.`);
  console.warn(`\n${'!'.repeat(100)}\nSKIPPED: ${message}\n${'!'.repeat(100)}\n`);
  return undefined;
}

/** The directory holding `initdb` and `postgres`. */
function postgresBinaries(): string | undefined {
  const candidates: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const initdb = join(dir, 'initdb');
    if (existsSync(initdb)) candidates.push(dirname(realpathSync(initdb)));
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) {
      candidates.push(join(debian, version, 'bin'));
    }
  }
  return candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')),
  );
}

/** PostgreSQL refuses to run as root: as root, the cluster runs as this unprivileged user. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields !== undefined) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root, and no postgres or nobody user to run PostgreSQL as');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startCluster(bin: string): Promise<PasswordPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-rotation-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(dir, 'admin-password');
  const logFile = join(dir, 'server.log');
  await writeFile(passwordFile, password);
  const owner = unprivilegedUser();
  if (owner !== undefined) {
    await chown(dir, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  const as = owner === undefined ? {} : { uid: owner.uid, gid: owner.gid };
  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '-N',
      '-E',
      'UTF8',
      '--locale=C',
    ],
    { ...as, stdio: 'ignore' },
  );
  await rm(passwordFile);

  let server: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 3 && server === undefined; attempt++) {
    port = await freePort();
    const child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=60',
        '-c',
        'logging_collector=off',
        '-c',
        'log_statement=all',
        '-c',
        'log_connections=on',
      ],
      { ...as, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    if (await ready(child, logFile)) server = child;
  }
  if (server === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`the private PostgreSQL did not start; see ${logFile}`);
  }
  const running = server;
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    logFile,
    async stop() {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGINT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Copies the server's log to `logFile`; resolves once it accepts connections, or it ended. */
function ready(child: ChildProcess, logFile: string): Promise<boolean> {
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stderr?.pipe(log);
  let tail = '';
  return new Promise((resolve) => {
    const watch = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-200);
      if (!tail.includes('database system is ready to accept connections')) return;
      child.stderr?.off('data', watch);
      resolve(true);
    };
    child.stderr?.on('data', watch);
    child.once('exit', () => resolve(false));
  });
}
