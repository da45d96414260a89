/** Starts one password-checking PostgreSQL for every suite of the package (see password-postgres.ts). */
import type { TestProject } from 'vitest/node';
import { type PasswordPostgres, startPasswordPostgres } from './password-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a PostgreSQL that checks passwords; '' when there is none. */
    passwordPostgresUrl: string;
    /** Where that server logs every statement; '' when it is not ours. */
    passwordPostgresLog: string;
  }
}

let server: PasswordPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startPasswordPostgres();
  project.provide('passwordPostgresUrl', server?.adminUrl ?? '');
  project.provide('passwordPostgresLog', server?.logFile ?? '');
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
