export {
  exitOnError,
  FAULT_FLAGS,
  faultsFromFlags,
  nonNegative,
  readSeedFile,
  stopOnSignals,
} from './cli.js';
export type { FaultKind, Faults } from './faults.js';
export { FaultInjector } from './faults.js';
export type { ListeningAddress } from './http-server.js';
export { closeServer, listen, readBody, sleep } from './http-server.js';
export type { LoggedRequest } from './request-log.js';
export { RequestLog } from './request-log.js';
