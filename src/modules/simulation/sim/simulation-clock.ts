import { Clock } from '../../../common/clock/clock.js';

/**
 * The simulation's time: set to a simulated instant, it then runs on with the real clock (so
 * rows written in one step still get increasing times), and only ever moves forward.
 */
export class SimulationClock extends Clock {
  private base: number;
  private realAtBase = performance.now();

  constructor(start: Date) {
    super();
    this.base = start.getTime();
  }

  now(): Date {
    return new Date(this.base + Math.floor(performance.now() - this.realAtBase));
  }

  /** Moves to `instant` unless the simulation is already past it. */
  advanceTo(instant: Date): void {
    if (instant.getTime() <= this.now().getTime()) return;
    this.base = instant.getTime();
    this.realAtBase = performance.now();
  }

  advanceMs(ms: number): void {
    this.advanceTo(new Date(this.now().getTime() + ms));
  }
}

/** `day` at hh:mm UTC. */
export function at(day: string, hh: number, mm = 0, ss = 0): Date {
  return new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)), hh, mm, ss));
}

/** Where a simulation's clock starts: the morning before its first day (setup time). */
export function simulationStart(from: string): Date {
  const [y, m, d] = from.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - 1, 8));
}
