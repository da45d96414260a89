import { batonTestConfig } from '../../vitest.shared.js';

export default batonTestConfig();
