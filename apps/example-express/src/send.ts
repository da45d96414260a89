/**
 * Sends requests to the example service the way a real client would, signing with
 * `baton.sign`: `npm run example:send -- <command> [options]`. It reads the same secrets as the
 * service (environment, `.env`, `.env.example`) and prints what it sent and what came back,
 * never a secret value. Exits 0 when the service answered, whatever the status.
 */
import { parseArgs } from 'node:util';
import { type Baton, BatonError } from '@baton/core';
import { createExampleBaton, INITIAL_REFS } from './example-baton.js';

const USAGE = `Usage: npm run example:send -- <command> [options]

Commands:
  webhook          POST a payment event to /webhooks/payments, signed (x-baton-signature)
  reports          GET /api/reports with an API key (x-baton-key)
  link             GET /api/download-link with an API key, then follow the link
  promote <ref>    POST /admin/promote with the admin key, e.g. promote WEBHOOK_SECRET:v2
  status           GET /admin/status with the admin key

Options:
  --ref <ref>      sign or present this ref (default: the command's secret at v1)
  --body <json>    the webhook body (default: an invoice.paid event)
  --tamper         change the webhook body after signing it
  --skew <sec>     sign with a timestamp this many seconds away from now
  --url <url>      the service (default: http://localhost:$PORT, PORT default 3000)
`;

const DEFAULT_BODY = JSON.stringify({ type: 'invoice.paid', id: 'in_1001', amount: 1999 });

interface Options {
  ref?: string;
  body: string;
  tamper: boolean;
  skew: number;
  url: string;
}

/** Exits with a message: code 2 (a usage mistake) adds the usage, code 1 does not. */
function fail(message: string, code: 1 | 2 = 2): never {
  process.stderr.write(code === 2 ? `${message}\n\n${USAGE}` : `${message}\n`);
  process.exit(code);
}

function parse(): { command: string; target: string | undefined; options: Options } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ options: OPTIONS, allowPositionals: true });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, target, ...rest] = positionals;
  if (command === undefined) fail('Name a command.');
  if (rest.length > 0) fail(`Unexpected arguments after ${target}.`);
  const skew = Number(values.skew ?? 0);
  if (!Number.isInteger(skew)) fail('--skew takes a whole number of seconds.');
  return {
    command,
    target,
    options: {
      ref: values.ref,
      body: values.body ?? DEFAULT_BODY,
      tamper: values.tamper ?? false,
      skew,
      url: (values.url ?? `http://localhost:${process.env.PORT || 3000}`).replace(/\/$/, ''),
    },
  };
}

const OPTIONS = {
  ref: { type: 'string' },
  body: { type: 'string' },
  tamper: { type: 'boolean' },
  skew: { type: 'string' },
  url: { type: 'string' },
} as const;

/** Sends one request and prints the exchange; headers shown are the x-baton-* ones, minus the key. */
async function send(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<string> {
  const shown = Object.entries(headers)
    .filter(([name]) => name.startsWith('x-baton-') && name !== 'x-baton-key')
    .map(([name, value]) => `${name}: ${value}`);
  if ('x-baton-key' in headers) shown.push('x-baton-key: (the secret)');
  process.stdout.write(`> ${method} ${url}\n${shown.map((line) => `>   ${line}\n`).join('')}`);
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch {
    fail(`Could not reach ${url}. Is the example running (npm start)?`, 1);
  }
  const text = await response.text();
  process.stdout.write(`< ${response.status} ${text.trimEnd()}\n`);
  return text;
}

async function keyHeaders(baton: Baton, ref: string): Promise<Record<string, string>> {
  return { 'x-baton-ref': ref, 'x-baton-key': await baton.getSecret(ref) };
}

async function run(): Promise<void> {
  const { command, target, options } = parse();
  const baton = await createExampleBaton({ audit: false });
  const now = Math.floor(baton.clock() / 1000);
  try {
    switch (command) {
      case 'webhook': {
        const headers = await baton.sign('WEBHOOK_SECRET', options.body, {
          ref: options.ref,
          timestamp: now + options.skew,
        });
        const body = options.tamper ? tamper(options.body) : options.body;
        await send(
          'POST',
          `${options.url}/webhooks/payments`,
          { ...headers, 'content-type': 'application/json' },
          body,
        );
        break;
      }
      case 'reports':
        await send(
          'GET',
          `${options.url}/api/reports`,
          await keyHeaders(baton, options.ref ?? INITIAL_REFS.API_KEY),
        );
        break;
      case 'link': {
        const answer = await send(
          'GET',
          `${options.url}/api/download-link`,
          await keyHeaders(baton, options.ref ?? INITIAL_REFS.API_KEY),
        );
        const link = (JSON.parse(answer) as { url?: unknown }).url;
        if (typeof link === 'string') await send('GET', `${options.url}${link}`, {});
        break;
      }
      case 'promote': {
        if (target === undefined) fail('promote needs the ref to promote, e.g. WEBHOOK_SECRET:v2');
        const logical = target.split(':')[0] as string;
        await send(
          'POST',
          `${options.url}/admin/promote`,
          {
            ...(await keyHeaders(baton, options.ref ?? INITIAL_REFS.ADMIN_KEY)),
            'content-type': 'application/json',
          },
          JSON.stringify({ logical, ref: target }),
        );
        break;
      }
      case 'status':
        await send(
          'GET',
          `${options.url}/admin/status`,
          await keyHeaders(baton, options.ref ?? INITIAL_REFS.ADMIN_KEY),
        );
        break;
      default:
        fail(`Unknown command "${command}".`);
    }
  } catch (error) {
    // Baton's errors name refs and sources, never values.
    if (error instanceof BatonError) fail(`${error.name}: ${error.message}`, 1);
    throw error;
  } finally {
    await baton.close();
  }
}

/** The same event with a different amount: what an attacker in the middle would try. */
function tamper(body: string): string {
  const changed = body.replace(/"amount":\s*\d+/, '"amount":1');
  return changed === body ? `${body} ` : changed;
}

await run();
