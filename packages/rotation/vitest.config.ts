import { batonTestConfig } from '../../vitest.shared.js';

export default batonTestConfig({ test: { globalSetup: ['test/support/global-setup.ts'] } });
