import { dailyAtUtc, dailySchedule } from './job-schedules.js';

describe('daily schedules', () => {
  it.each([
    ['00:00', '0 0 * * *'],
    ['03:15', '15 3 * * *'],
    ['23:59', '59 23 * * *'],
  ])('%s UTC is the cron pattern %s', (time, pattern) => {
    expect(dailyAtUtc(time)).toBe(pattern);
  });

  it.each(['24:00', '3:15', '03:60', '0315', 'noon'])('refuses "%s"', (time) => {
    expect(() => dailyAtUtc(time)).toThrow(`daily schedule time "${time}" must be HH:MM (UTC)`);
  });

  it('builds a schedule of a job with its payload', () => {
    expect(dailySchedule('settle-yesterday-daily', 'settle-day', '00:30', { lagDays: 1 })).toEqual({
      id: 'settle-yesterday-daily',
      job: 'settle-day',
      cron: '30 0 * * *',
      data: { lagDays: 1 },
    });
  });
});
