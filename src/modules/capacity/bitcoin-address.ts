import { address as btcAddress, networks, type Network } from 'bitcoinjs-lib';
import type { AppConfig } from '../../config/config.schema.js';

export type BitcoinNetworkName = AppConfig['BITCOIN_NETWORK'];

const NETWORKS: Record<BitcoinNetworkName, Network> = {
  mainnet: networks.bitcoin,
  testnet: networks.testnet,
  regtest: networks.regtest,
};

/** secp256k1 field prime: an x-only (taproot) key must be the x coordinate of a curve point. */
const FIELD_P = 2n ** 256n - 2n ** 32n - 977n;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** True when x < p and x^3 + 7 is a square mod p (Euler's criterion), i.e. x lifts to a curve point. */
function isXOnlyPoint(key: Uint8Array): boolean {
  if (key.length !== 32) return false;
  const x = BigInt(`0x${Buffer.from(key).toString('hex')}`);
  if (x === 0n || x >= FIELD_P) return false;
  const rhs = (modPow(x, 3n, FIELD_P) + 7n) % FIELD_P;
  return modPow(rhs, (FIELD_P - 1n) / 2n, FIELD_P) === 1n;
}

/**
 * True when `value` is a valid address on `network`: bitcoinjs-lib's toOutputScript checks the
 * checksum, the network prefix and the script type. Taproot (segwit v1) outputs need an ECC
 * library in bitcoinjs-lib; without one installed, the bech32m decoding is done by the library
 * and the on-curve check of the 32-byte key here.
 */
export function isValidBitcoinAddress(value: string, network: BitcoinNetworkName): boolean {
  if (typeof value !== 'string' || value.length < 14 || value.length > 90 || value.trim() !== value) return false;
  const net = NETWORKS[network];
  try {
    btcAddress.toOutputScript(value, net);
    return true;
  } catch (error) {
    if (!/ECC Library/i.test((error as Error).message ?? '')) return false;
  }
  try {
    const decoded = btcAddress.fromBech32(value);
    return decoded.version === 1 && decoded.prefix === net.bech32 && (value === value.toLowerCase() || value === value.toUpperCase()) && isXOnlyPoint(decoded.data);
  } catch {
    return false;
  }
}
