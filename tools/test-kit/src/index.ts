export { auditCollector } from './audit-collector.js';
export type { CapturedOutput } from './capture-output.js';
export { captureOutput } from './capture-output.js';
export { deferred } from './deferred.js';
export type { RecordedPoint } from './recording-telemetry.js';
export { recordingTelemetry } from './recording-telemetry.js';
export type { TestSource } from './test-source.js';
export { testSource } from './test-source.js';
