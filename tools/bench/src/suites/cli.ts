import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from '../harness.js';

const BIN = fileURLToPath(new URL('../../../../packages/cli/dist/bin.js', import.meta.url));
const ROUNDS = 15;

/**
 * Start-up of the built `baton` command beside a bare `node -e ''` run in the same rounds,
 * alternating, so a slow moment hits both: `--help` (argument parsing and every command's
 * registration) and `status` on a file store (config, store, registry; no cloud SDK).
 */
export default async function cliSuite(): Promise<void> {
  if (
    !(await stat(BIN).then(
      () => true,
      () => false,
    ))
  ) {
    process.stdout.write(
      '\nThe baton command is not built: npm run build -w @baton/cli, then rerun.\n',
    );
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-cli-'));
  try {
    const store = ['--store', `file:${join(dir, 'registry.json')}`];
    spawnSync(process.execPath, [BIN, 'register', 'OPENAI_KEY', 'OPENAI_KEY:v1', ...store]);
    spawnSync(process.execPath, [BIN, 'promote', 'OPENAI_KEY', 'OPENAI_KEY:v2', ...store]);
    const cases: [string, string[]][] = [
      ["node -e ''", ['-e', '']],
      ['baton --help', [BIN, '--help']],
      ['baton status (file store)', [BIN, 'status', ...store]],
      ['baton status --json', [BIN, 'status', '--json', ...store]],
    ];
    const times = cases.map(() => [] as number[]);
    for (let round = -2; round < ROUNDS; round++) {
      cases.forEach(([, args], index) => {
        const started = process.hrtime.bigint();
        const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (result.status !== 0) throw new Error(`${cases[index]?.[0]} exited ${result.status}`);
        if (round >= 0) times[index]?.push(ms);
      });
    }
    const medians = times.map(
      (list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0,
    );
    const base = medians[0] ?? 1;
    printTable(
      `Start-up, wall time per run (median of ${ROUNDS}, alternating)`,
      ['command', 'ms', 'vs node -e', 'over node'],
      cases.map(([name], index) => [
        name,
        (medians[index] ?? 0).toFixed(0),
        `${((medians[index] ?? 0) / base).toFixed(2)}×`,
        `+${((medians[index] ?? 0) - base).toFixed(0)} ms`,
      ]),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
