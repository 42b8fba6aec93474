import { verify } from 'otplib';

/** RFC 6238 defaults, what every authenticator app uses. */
export const TOTP_PERIOD_SECONDS = 30;
/** One step either side is accepted: clock drift and the time it takes to type a code. */
export const TOTP_TOLERANCE_SECONDS = 30;

export type TotpMatch = { kind: 'accepted'; step: bigint } | { kind: 'replayed'; step: bigint } | { kind: 'invalid' };

/**
 * Checks a code against a secret at `now`. A code is accepted once: its time step must be
 * after the last accepted one (also refusing an older code that is still inside the window).
 * The caller makes it stick with a conditional UPDATE on the last step, which is what makes
 * two concurrent uses of one code end with exactly one success.
 */
export async function matchTotpStep(secret: string, code: string, now: Date, lastStep: bigint | null): Promise<TotpMatch> {
  if (!/^\d{6}$/.test(code)) return { kind: 'invalid' };
  let result: Awaited<ReturnType<typeof verify>>;
  try {
    result = await verify({
      secret,
      token: code,
      epoch: Math.floor(now.getTime() / 1000),
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
    });
  } catch {
    return { kind: 'invalid' };
  }
  if (!result.valid || !('timeStep' in result)) return { kind: 'invalid' };
  const step = BigInt(result.timeStep);
  if (lastStep !== null && step <= lastStep) return { kind: 'replayed', step };
  return { kind: 'accepted', step };
}
