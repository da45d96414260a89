import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A TLS key and certificate in PEM. The certificate is its own CA: trust it to trust the server. */
export interface TlsCertificate {
  key: string;
  cert: string;
}

const run = promisify(execFile);

/**
 * Makes a throwaway self-signed certificate for `localhost`, `127.0.0.1` and `::1`, valid for
 * one day, with the `openssl` command. Clients trust it by passing `cert` as their CA; nothing
 * is installed or trusted machine-wide.
 *
 * @example
 * const { key, cert } = await createSelfSignedCertificate();
 */
export async function createSelfSignedCertificate(): Promise<TlsCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-kv-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    ]).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        error.code === 'ENOENT'
          ? 'The Key Vault emulator makes its TLS certificate with openssl, which is not installed (apt-get install openssl), or pass tls: { key, cert }'
          : `openssl could not make the emulator's TLS certificate (exit code ${String(error.code)})`,
        { cause: error },
      );
    });
    return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
