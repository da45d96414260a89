/** A clock that moves only when told to: inject it so tests never sleep through a grace window. */
export interface ManualClock {
  (): number;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to an epoch millisecond or a date. */
  set(time: number | Date): void;
}

/**
 * Creates a manual clock, starting at `start` (default 2030-01-01T00:00:00Z).
 *
 * @example
 * const clock = manualClock();
 * const baton = createBaton({ clock });
 * clock.advance(25 * 3_600_000); // 25 hours later, instantly
 */
export function manualClock(start: number | Date = Date.UTC(2030, 0, 1)): ManualClock {
  let now = typeof start === 'number' ? start : start.getTime();
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError('advance(ms) needs a non-negative number');
    now += ms;
  };
  clock.set = (time) => {
    now = typeof time === 'number' ? time : time.getTime();
  };
  return clock;
}
