import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands/index.js';
import { main } from '../src/index.js';

async function run(args: string[]): Promise<{ code: number; text: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  for (const stream of [stdout, stderr])
    stream.on('data', (chunk) => {
      text += chunk;
    });
  const code = await main(args, { cwd: process.cwd(), env: {}, stdout, stderr });
  return { code, text };
}

const NAMES = [
  'status',
  'register',
  'promote',
  'retire',
  'history',
  'policy',
  'rotate',
  'verify',
  'get',
  'check',
  'run',
  'migrate',
  'init',
  'scan',
];

describe('help', () => {
  it('lists every command of §15, and policy', async () => {
    expect(COMMANDS).toHaveLength(NAMES.length);
    const { text } = await run(['--help']);
    for (const name of NAMES) expect(text).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it.each(NAMES)('%s --help shows an example, exit 0', async (name) => {
    const { code, text } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(text).toMatch(new RegExp(`Examples:\\n {2}\\$ baton ${name}`));
  });

  it('an unknown command or option is a usage error, exit 2', async () => {
    expect((await run(['rotat'])).code).toBe(2);
    expect((await run(['status', '--nope'])).code).toBe(2);
  });
});
