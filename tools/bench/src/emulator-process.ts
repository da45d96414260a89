/**
 * An emulator in its own process, so the benchmark's client side has its own core:
 * `aws`, `gcp` or `vault` (the first argument). Seeds `BENCH_SECRETS` secrets named `S<i>`
 * plus `HOT` (AWS: `bench/S<i>`; Vault: path `bench/S<i>`), reports how to reach it over IPC,
 * and answers `{ type: 'calls' }` with the requests counted so far and `{ type: 'reset' }` by
 * forgetting them.
 */
import { startAwsSecretsManagerEmulator } from '@baton-tools/aws-secrets-manager-emulator';
import { startGcpSecretManagerEmulator } from '@baton-tools/gcp-secret-manager-emulator';
import { startVaultEmulator } from '@baton-tools/vault-emulator';

const count = Number(process.env.BENCH_SECRETS ?? 100);
const names = ['HOT', ...Array.from({ length: count }, (_, index) => `S${index}`)];
const seededValue = (name: string) => (name === 'HOT' ? 'hot-value' : `value-${name}`);

interface Running {
  ready: Record<string, unknown>;
  calls(): number;
  resetCounters(): void;
  close(): Promise<void>;
}

async function start(kind: string | undefined): Promise<Running> {
  if (kind === 'aws') {
    const emulator = await startAwsSecretsManagerEmulator({
      seed: Object.fromEntries(names.map((name) => [`bench/${name}`, seededValue(name)])),
    });
    const { endpoint, region, credentials } = emulator;
    return { ...bind(emulator), ready: { endpoint, region, credentials } };
  }
  if (kind === 'gcp') {
    const emulator = await startGcpSecretManagerEmulator({
      project: 'bench-project',
      seed: Object.fromEntries(names.map((name) => [name, seededValue(name)])),
    });
    const { apiEndpoint, port, project } = emulator;
    return { ...bind(emulator), ready: { apiEndpoint, port, project } };
  }
  if (kind === 'vault') {
    const emulator = await startVaultEmulator({
      seed: Object.fromEntries(names.map((name) => [`bench/${name}`, seededValue(name)])),
      policies: { bench: [{ path: 'secret/data/bench/*', capabilities: ['read'] }] },
      appRoles: {
        bench: { roleId: 'bench-role', secretIds: ['bench-secret'], policies: ['bench'] },
      },
    });
    const { address, rootToken } = emulator;
    return { ...bind(emulator), ready: { address, rootToken } };
  }
  throw new Error(`unknown emulator "${kind}": aws, gcp or vault`);
}

function bind(emulator: Omit<Running, 'ready' | 'calls'> & { calls(operation?: string): number }) {
  return {
    calls: () => emulator.calls(),
    resetCounters: () => emulator.resetCounters(),
    close: () => emulator.close(),
  };
}

const emulator = await start(process.argv[2]);
process.on('message', (message: { type?: string; id?: number }) => {
  if (message.type === 'calls') {
    process.send?.({ id: message.id, calls: emulator.calls() });
  } else if (message.type === 'reset') {
    emulator.resetCounters();
    process.send?.({ id: message.id, calls: 0 });
  }
});
process.once('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0));
});
process.send?.(emulator.ready);
