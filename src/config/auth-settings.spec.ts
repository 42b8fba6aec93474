import { ConfigError, loadConfig } from './load-config.js';

describe('auth settings', () => {
  it('have documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      LOGIN_RATE_LIMIT_PER_MINUTE: 10,
      LOGIN_IP_RATE_LIMIT_PER_MINUTE: 60,
      REGISTER_IP_RATE_LIMIT_PER_HOUR: 30,
      TOTP_MAX_FAILURES: 5,
      TOTP_LOCKOUT_MINUTES: 15,
      WITHDRAWAL_LOCK_HOURS: 48,
      REFRESH_TOKEN_PURGE_CRON: '17 3 * * *',
    });
  });

  it.each([
    ['WITHDRAWAL_LOCK_HOURS', 'forever'],
    ['WITHDRAWAL_LOCK_HOURS', '-1'],
    ['TOTP_MAX_FAILURES', '0'],
    ['TOTP_LOCKOUT_MINUTES', '1.5'],
    ['LOGIN_IP_RATE_LIMIT_PER_MINUTE', '0'],
    ['REGISTER_IP_RATE_LIMIT_PER_HOUR', 'many'],
    ['REFRESH_TOKEN_PURGE_CRON', 'daily'],
  ])('refuse %s=%s with one line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} .*\\(got "${value.replace('.', '\\.')}"\\)$`));
  });

  it('accepts a 6-field cron pattern', () => {
    expect(loadConfig({ REFRESH_TOKEN_PURGE_CRON: '0 17 3 * * *' }).REFRESH_TOKEN_PURGE_CRON).toBe('0 17 3 * * *');
  });
});
