import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled daily history (see data/market/README.md for columns and sources). */
export const MARKET_HISTORY_RELATIVE_PATH = join('data', 'market', 'btc-daily.csv');

/** One UTC day of market history, in the form the market module records it. */
export interface MarketDay {
  day: string;
  usdPerBtc: string;
  difficulty: string;
  blockSubsidySats: bigint;
  avgFeesPerBlockSats: bigint;
}

/**
 * Transaction fees are not in the bundled data: they are modelled as a share of the block
 * subsidy, floor(subsidy x bps / 10,000) sats per block (SIM_TX_FEE_SHARE_BPS, default 300 = 3%).
 */
export function modelledFeesPerBlockSats(blockSubsidySats: bigint, shareBps: number): bigint {
  if (!Number.isInteger(shareBps) || shareBps < 0 || shareBps > 10_000) throw new RangeError('shareBps must be an integer from 0 to 10000');
  return (blockSubsidySats * BigInt(shareBps)) / 10_000n;
}

/**
 * The bundled file, found by walking up from this module to the project root (the same code
 * runs from src/ under Jest and from dist/src/ when built).
 */
export function bundledMarketHistoryPath(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, MARKET_HISTORY_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`${MARKET_HISTORY_RELATIVE_PATH} not found above ${start}`);
  }
}
