import type { Server } from 'node:net';
import type { FaultInjector, Faults } from './faults.js';
import { closeServer } from './http-server.js';
import type { LoggedRequest, RequestLog } from './request-log.js';

/** What every emulator's handle offers besides its data: faults, counters, and stopping. */
export interface EmulatorControls<R extends LoggedRequest, F extends Faults> {
  /** Replaces the faults in force. */
  setFaults(faults: F): void;
  /** Requests answered, for one operation or all. */
  calls(operation?: string): number;
  /** Every request answered, oldest first. */
  readonly requests: readonly R[];
  /** The most requests in flight at once since the last reset. */
  peakInFlight(): number;
  /** Forgets the requests answered so far. */
  resetCounters(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** The controls of an emulator built from its request log, fault injector and server. */
export function emulatorControls<R extends LoggedRequest, F extends Faults>(
  log: RequestLog<R>,
  faults: FaultInjector<F>,
  server: Server & { closeAllConnections(): void },
): EmulatorControls<R, F> {
  return {
    setFaults: (next) => faults.set(next),
    calls: (operation) => log.calls(operation),
    requests: log.requests,
    peakInFlight: () => log.peakInFlight,
    resetCounters: () => log.reset(),
    close: () => closeServer(server),
  };
}

/** The options every emulator takes for its server, faults and time. */
export interface EmulatorServerOptions<F extends Faults> {
  /** Port to listen on. Default 0: an ephemeral port. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Faults from the start. Default: none. */
  faults?: F;
  /** Random source for fault rates, so a run can be repeated. Default `Math.random`. */
  random?: () => number;
  /** Epoch milliseconds for the times the service answers (and its leases). Default `Date.now`. */
  clock?: () => number;
}
