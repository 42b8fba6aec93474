import { findJobHandlerProblems, type ProcessorDescription } from './job-handler-check.js';

const declared = [
  { queue: 'maintenance', job: 'purge-expired-refresh-tokens' },
  { queue: 'settlement', job: 'settle-day' },
  { queue: 'settlement', job: 'settle-pool' },
];

const processor = (overrides: Partial<ProcessorDescription> & Pick<ProcessorDescription, 'name' | 'queue' | 'jobs'>): ProcessorDescription => ({
  schedules: [],
  ...overrides,
});

const complete = [
  processor({ name: 'MaintenanceProcessor', queue: 'maintenance', jobs: ['purge-expired-refresh-tokens'] }),
  processor({ name: 'SettlementProcessor', queue: 'settlement', jobs: ['settle-day', 'settle-pool'] }),
];

describe('findJobHandlerProblems', () => {
  it('finds nothing when every declared job has exactly one handler', () => {
    expect(findJobHandlerProblems(declared, complete)).toEqual([]);
  });

  it('names a declared job nobody handles', () => {
    const problems = findJobHandlerProblems(declared, [complete[0], processor({ name: 'SettlementProcessor', queue: 'settlement', jobs: ['settle-day'] })]);
    expect(problems).toEqual([
      'job "settle-pool" of queue "settlement" has no handler: add it to the handlers of a JobProcessor for that queue and register its module in WORKER_MODULES',
    ]);
  });

  it('names every job of a queue that has no processor at all', () => {
    const problems = findJobHandlerProblems(declared, [complete[0]]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('job "settle-day" of queue "settlement" has no handler');
    expect(problems[1]).toContain('job "settle-pool" of queue "settlement" has no handler');
  });

  it("refuses two processors on one queue (each would take the other's jobs)", () => {
    const problems = findJobHandlerProblems(declared, [...complete, processor({ name: 'AnotherMaintenance', queue: 'maintenance', jobs: [] })]);
    expect(problems).toEqual([
      'queue "maintenance" has 2 processors (MaintenanceProcessor, AnotherMaintenance); a queue has one processor, or each worker would take the others\' jobs',
    ]);
  });

  it('refuses a handler for a job name that is not declared (a typo would never run)', () => {
    const problems = findJobHandlerProblems(declared, [
      complete[0],
      processor({ name: 'SettlementProcessor', queue: 'settlement', jobs: ['settle-day', 'settle-pool', 'setle-day'] }),
    ]);
    expect(problems).toEqual(['SettlementProcessor handles "setle-day", which is not declared for queue "settlement" in queue-names.ts']);
  });

  it('refuses a processor on an undeclared queue', () => {
    const problems = findJobHandlerProblems(declared, [...complete, processor({ name: 'Stray', queue: 'stray', jobs: ['x'] })]);
    expect(problems).toEqual(['processor Stray listens on queue "stray", which is not declared in queue-names.ts']);
  });

  it('checks schedules: a job the processor handles, a payload its handler accepts, ids unique', () => {
    const schedules = [
      { id: 'purge-daily', job: 'purge-expired-refresh-tokens', cron: '17 3 * * *' },
      { id: 'purge-daily', job: 'purge-expired-refresh-tokens', cron: '18 3 * * *' },
      { id: 'settle-daily', job: 'settle-day', cron: '30 0 * * *' },
      { id: 'bad-payload', job: 'purge-expired-refresh-tokens', cron: '0 4 * * *', data: { olderThanDays: 'ten' } },
    ];
    const problems = findJobHandlerProblems(declared, [
      { ...complete[0], schedules, checkScheduleData: (s) => (s.data ? 'olderThanDays Expected number' : undefined) },
      complete[1],
    ]);
    expect(problems).toEqual([
      'MaintenanceProcessor declares schedule "purge-daily" twice',
      'schedule "settle-daily" of MaintenanceProcessor enqueues "settle-day", which MaintenanceProcessor does not handle',
      'schedule "bad-payload" of MaintenanceProcessor has a payload its handler refuses: olderThanDays Expected number',
    ]);
  });
});
