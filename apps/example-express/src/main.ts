/**
 * Starts the example service: `npm start` at the repository root. Audit events go to stdout
 * as JSON lines; everything meant for people goes to stderr, so stdout stays machine-readable.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { createExampleBaton } from './example-baton.js';

/** The port when PORT is not set. */
const DEFAULT_PORT = 3000;

function portFrom(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`example-express: PORT must be a whole number from 0 to 65535\n`);
    process.exit(1);
  }
  return port;
}

const port = portFrom(process.env.PORT);
const baton = await createExampleBaton();
const server = createApp(baton).listen(port, (error?: Error) => {
  if (error) {
    process.stderr.write(`example-express: cannot listen on port ${port}: ${error.message}\n`);
    process.exit(1);
  }
  const { port: actual } = server.address() as AddressInfo;
  const url = actual === DEFAULT_PORT ? '' : ` --url http://localhost:${actual}`;
  process.stderr.write(
    `example-express listening on http://localhost:${actual}\n` +
      `  try: npm run example:send -- webhook${url}\n` +
      `  audit events follow on stdout, one JSON object per line\n`,
  );
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeIdleConnections();
    // Deliver the audit events still buffered before leaving.
    void baton.close().finally(() => process.exit(0));
  });
}
