import { generate, generateSecret } from 'otplib';
import { matchTotpStep, TOTP_PERIOD_SECONDS } from './totp-step.js';

const secret = generateSecret();
// 2025-03-01T12:00:10Z: 10 s into its 30 s step
const now = new Date('2025-03-01T12:00:10Z');
const nowStep = BigInt(Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS));
const codeAt = (offsetSteps: number) => generate({ secret, epoch: Math.floor(now.getTime() / 1000) + offsetSteps * TOTP_PERIOD_SECONDS });

describe('matchTotpStep', () => {
  it('accepts the current code and reports its time step', async () => {
    expect(await matchTotpStep(secret, await codeAt(0), now, null)).toEqual({ kind: 'accepted', step: nowStep });
  });

  it('accepts the previous and next step (drift), not two steps away', async () => {
    expect(await matchTotpStep(secret, await codeAt(-1), now, null)).toEqual({ kind: 'accepted', step: nowStep - 1n });
    expect(await matchTotpStep(secret, await codeAt(1), now, null)).toEqual({ kind: 'accepted', step: nowStep + 1n });
    expect(await matchTotpStep(secret, await codeAt(-2), now, null)).toEqual({ kind: 'invalid' });
    expect(await matchTotpStep(secret, await codeAt(2), now, null)).toEqual({ kind: 'invalid' });
  });

  it('calls a code of the last accepted step a replay', async () => {
    expect(await matchTotpStep(secret, await codeAt(0), now, nowStep)).toEqual({ kind: 'replayed', step: nowStep });
  });

  it('refuses an older code still inside the window once a newer one was accepted', async () => {
    expect(await matchTotpStep(secret, await codeAt(-1), now, nowStep)).toEqual({ kind: 'replayed', step: nowStep - 1n });
  });

  it('accepts the next step after the last accepted one', async () => {
    expect(await matchTotpStep(secret, await codeAt(1), now, nowStep)).toEqual({ kind: 'accepted', step: nowStep + 1n });
  });

  it('refuses a code of another secret, and malformed codes without throwing', async () => {
    const other = await generate({ secret: generateSecret(), epoch: Math.floor(now.getTime() / 1000) });
    const mine = await codeAt(0);
    expect(await matchTotpStep(secret, other === mine ? '000000' : other, now, null)).toEqual({ kind: 'invalid' });
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 12345', '12 456']) {
      expect(await matchTotpStep(secret, bad, now, null)).toEqual({ kind: 'invalid' });
    }
  });
});
