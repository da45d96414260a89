import { batonTestConfig } from '../../vitest.shared.js';

// Each test starts the command as child processes (about half a second each on a quiet
// machine): a loaded machine needs more than the shared 20 s for the longer sequences.
export default batonTestConfig({ test: { testTimeout: 120_000 } });
