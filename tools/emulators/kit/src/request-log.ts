import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** The least every emulator records of a request it answered. */
export interface LoggedRequest {
  readonly operation: string;
  readonly status: number;
}

/**
 * The requests an emulator answered, for tests and benchmarks that count provider calls, and
 * how many were in flight at once (to prove a client bounds its concurrency).
 */
export class RequestLog<R extends LoggedRequest = LoggedRequest> {
  /** Every request answered, oldest first. */
  readonly requests: R[] = [];
  private inFlight = 0;
  private peak = 0;

  record(request: R): void {
    this.requests.push(request);
  }

  /** Requests answered, for one operation or all. */
  calls(operation?: string): number {
    if (operation === undefined) return this.requests.length;
    return this.requests.filter((request) => request.operation === operation).length;
  }

  /**
   * An HTTP server whose requests are counted in flight while `handle` runs. A handler that
   * throws answers 500, or drops the connection once the headers went out.
   */
  server(handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Server {
    return createServer((request, response) => {
      void this.track(() => handle(request, response)).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    });
  }

  /** Counts a request as in flight until `work` settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
    }
  }

  /** The most requests in flight at once since the last reset. */
  get peakInFlight(): number {
    return this.peak;
  }

  /** Forgets the requests answered so far and the peak. */
  reset(): void {
    this.requests.length = 0;
    this.peak = this.inFlight;
  }
}
