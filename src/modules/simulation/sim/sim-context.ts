import type { AuthenticatedUser } from '../../../common/auth/authenticated-user.js';
import type { RequestContext } from '../../../common/http/request-context.js';
import type { StaffLogins, World } from '../world/world.service.js';
import type { PlannedCustomer } from './plan.js';
import type { Random } from './random.js';
import type { SimulationClock } from './simulation-clock.js';

/** What every step of a simulation run shares. */
export interface SimContext {
  clock: SimulationClock;
  from: string;
  days: number;
  staff: StaffLogins;
  world: World;
  plan: PlannedCustomer[];
  customerIds: Map<string, string>;
  rng: { outages: Random; pools: Random };
  /** Staff request contexts (audited actor and a request id naming the simulated step). */
  operator: (step: string) => RequestContext;
  finance: (step: string) => RequestContext;
  stats: SimStats;
}

export interface SimStats {
  deposits: number;
  purchases: number;
  refused: Record<string, number>;
  autoPayoutCustomers: number;
  outages: number;
  settlementRuns: number;
  settlementMs: number;
  withdrawals: number;
  payoutsSatsByDay: Map<string, bigint>;
  poolPayouts: number;
  earningsRecordedSats: bigint;
  expectedBySim: bigint;
  /** Wall time spent per kind of step (ms). */
  stepMs: Record<string, number>;
}

export function customerUser(ctx: SimContext, email: string): AuthenticatedUser {
  const userId = ctx.customerIds.get(email);
  if (!userId) throw new Error(`customer ${email} was not created`);
  return { userId, role: 'customer', email };
}
