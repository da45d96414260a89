/**
 * The AWS Secrets Manager emulator in its own process, so the benchmark's client side has its
 * own core. Seeds `BENCH_SECRETS` secrets named `bench/S<i>` plus `bench/HOT`, reports its
 * endpoint over IPC, and answers `{ type: 'calls' }` with the requests counted so far and
 * `{ type: 'reset' }` by forgetting them.
 */
import { startAwsSecretsManagerEmulator } from '@baton-tools/aws-secrets-manager-emulator';

const count = Number(process.env.BENCH_SECRETS ?? 100);
const seed: Record<string, string> = { 'bench/HOT': 'hot-value' };
for (let index = 0; index < count; index++) seed[`bench/S${index}`] = `value-${index}`;
const emulator = await startAwsSecretsManagerEmulator({ seed });

process.on('message', (message: { type?: string; id?: number }) => {
  if (message.type === 'calls') {
    process.send?.({ id: message.id, calls: emulator.calls(), requests: emulator.requests.length });
  } else if (message.type === 'reset') {
    emulator.resetCounters();
    process.send?.({ id: message.id, calls: 0 });
  }
});
process.once('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0));
});
process.send?.({
  endpoint: emulator.endpoint,
  region: emulator.region,
  credentials: emulator.credentials,
});
