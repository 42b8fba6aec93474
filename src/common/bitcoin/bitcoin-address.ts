import { address as btcAddress, networks, type Network } from 'bitcoinjs-lib';

export type BitcoinNetwork = 'mainnet' | 'testnet' | 'regtest';

export type AddressType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';

/** Why an address was refused; stable codes, shown to the customer with a message. */
export type AddressProblem =
  | 'empty'
  | 'invalid_character'
  | 'mixed_case'
  | 'too_long'
  | 'malformed'
  | 'invalid_checksum'
  | 'wrong_checksum_variant'
  | 'invalid_padding'
  | 'empty_data'
  | 'unknown_prefix'
  | 'invalid_witness_version'
  | 'invalid_program_length'
  | 'unsupported_witness_version'
  | 'unsupported_witness_program'
  | 'wrong_network';

/** A string decoded per BIP-173/BIP-350 (segwit) or base58check, before any policy. */
export interface DecodedAddress {
  encoding: 'base58' | 'bech32' | 'bech32m';
  /** Networks whose addresses look like this one (testnet and regtest share base58 versions). */
  networks: BitcoinNetwork[];
  /** Canonical text: bech32 lower-cased, base58 unchanged. */
  canonical: string;
  scriptPubKeyHex: string;
  witnessVersion?: number;
  programLength?: number;
  base58Kind?: 'p2pkh' | 'p2sh';
}

export type DecodeResult = { ok: true; decoded: DecodedAddress } | { ok: false; problem: AddressProblem; message: string };

export interface ValidAddress {
  address: string;
  type: AddressType;
  network: BitcoinNetwork;
  scriptPubKeyHex: string;
}

export type ValidationResult = { ok: true; value: ValidAddress } | { ok: false; problem: AddressProblem; message: string };

const NETWORKS: Record<BitcoinNetwork, Network> = {
  mainnet: networks.bitcoin,
  testnet: networks.testnet,
  regtest: networks.regtest,
};

const HRP_NETWORK: Record<string, BitcoinNetwork> = { bc: 'mainnet', tb: 'testnet', bcrt: 'regtest' };
const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BASE58_PATTERN = /^[1-9A-HJ-NP-Za-km-z]+$/;
const MAX_ADDRESS_LENGTH = 90; // BIP-173 overall limit; base58 addresses are far shorter

function fail(problem: AddressProblem, message: string): { ok: false; problem: AddressProblem; message: string } {
  return { ok: false, problem, message };
}

const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

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

/** BIP-340 x-only key: x < p and x^3 + 7 is a square mod p (Euler's criterion), so a point exists. */
function isXOnlyPoint(xHex: string): boolean {
  const x = BigInt(`0x${xHex}`);
  if (x >= SECP256K1_P) return false;
  const c = (modPow(x, 3n, SECP256K1_P) + 7n) % SECP256K1_P;
  return c === 0n || modPow(c, (SECP256K1_P - 1n) / 2n, SECP256K1_P) === 1n;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** scriptPubKey of a witness program: OP_n (OP_0 or OP_1..OP_16) then a push of the program. */
function witnessScriptHex(version: number, program: Uint8Array): string {
  const op = version === 0 ? 0x00 : 0x50 + version;
  return hex(Uint8Array.from([op, program.length, ...program]));
}

function decodeBase58(text: string): DecodeResult | undefined {
  let decoded: { version: number; hash: Uint8Array };
  try {
    decoded = btcAddress.fromBase58Check(text);
  } catch {
    return undefined;
  }
  const { version, hash } = decoded;
  const hashHex = hex(hash);
  const canonical = text;
  if (version === networks.bitcoin.pubKeyHash || version === networks.testnet.pubKeyHash) {
    return {
      ok: true,
      decoded: {
        encoding: 'base58',
        networks: version === networks.bitcoin.pubKeyHash ? ['mainnet'] : ['testnet', 'regtest'],
        canonical,
        base58Kind: 'p2pkh',
        scriptPubKeyHex: `76a914${hashHex}88ac`,
      },
    };
  }
  if (version === networks.bitcoin.scriptHash || version === networks.testnet.scriptHash) {
    return {
      ok: true,
      decoded: {
        encoding: 'base58',
        networks: version === networks.bitcoin.scriptHash ? ['mainnet'] : ['testnet', 'regtest'],
        canonical,
        base58Kind: 'p2sh',
        scriptPubKeyHex: `a914${hashHex}87`,
      },
    };
  }
  return fail('unknown_prefix', `base58 version byte ${version} is not a Bitcoin P2PKH or P2SH address`);
}

function decodeSegwit(text: string): DecodeResult {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    return fail('mixed_case', 'mixes upper and lower case (BIP-173 allows one case only)');
  }
  const lower = text.toLowerCase();
  const separator = lower.lastIndexOf('1');
  if (separator < 1) return fail('malformed', 'is neither a base58check nor a bech32 address');
  const hrp = lower.slice(0, separator);
  const data = lower.slice(separator + 1);
  if ([...data].some((c) => !BECH32_CHARSET.includes(c))) {
    return fail('invalid_character', 'contains a character outside the bech32 alphabet');
  }
  if (data.length < 6) return fail('malformed', 'has a checksum shorter than 6 characters');
  if (data.length === 6) return fail('empty_data', 'has an empty data section');
  if (!(hrp in HRP_NETWORK)) return fail('unknown_prefix', `has the prefix "${hrp}", which is not a Bitcoin network (bc, tb, bcrt)`);
  const version = BECH32_CHARSET.indexOf(data[0]);
  if (version > 16) return fail('invalid_witness_version', `has witness version ${version}; versions 0 to 16 exist`);

  let decoded: { version: number; prefix: string; data: Uint8Array };
  try {
    decoded = btcAddress.fromBech32(lower);
  } catch (error) {
    const reason = (error as Error).message;
    if (reason.includes('wrong encoding')) {
      return fail('wrong_checksum_variant', 'uses the wrong checksum: bech32 is for witness version 0, bech32m for version 1 and above (BIP-350)');
    }
    if (reason.includes('padding')) return fail('invalid_padding', `has invalid padding (${reason.toLowerCase()})`);
    if (reason.includes('checksum')) return fail('invalid_checksum', 'has an invalid checksum (a typo?)');
    if (reason.includes('length limit')) return fail('too_long', 'is longer than 90 characters');
    return fail('malformed', 'is not a valid bech32 address');
  }
  const program = decoded.data;
  if (program.length < 2 || program.length > 40) {
    return fail('invalid_program_length', `has a ${program.length}-byte witness program; 2 to 40 bytes are allowed`);
  }
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    return fail('invalid_program_length', `has a ${program.length}-byte version 0 program; BIP-141 allows 20 or 32 bytes`);
  }
  return {
    ok: true,
    decoded: {
      encoding: version === 0 ? 'bech32' : 'bech32m',
      networks: [HRP_NETWORK[hrp]],
      canonical: lower,
      scriptPubKeyHex: witnessScriptHex(version, program),
      witnessVersion: version,
      programLength: program.length,
    },
  };
}

/**
 * Decodes a Bitcoin address per base58check, BIP-173 and BIP-350 (no network policy yet):
 * every valid address of any network decodes, every invalid string names its problem.
 */
export function decodeBitcoinAddress(text: string): DecodeResult {
  if (text.length === 0) return fail('empty', 'is empty');
  if (text.length > MAX_ADDRESS_LENGTH) return fail('too_long', 'is longer than 90 characters');
  if (!/^[\x21-\x7e]+$/.test(text)) return fail('invalid_character', 'contains whitespace or a non-ASCII character');
  const base58 = decodeBase58(text);
  if (base58) return base58;
  if (!/^(bc|tb|bcrt)1/i.test(text) && BASE58_PATTERN.test(text)) {
    return fail('invalid_checksum', 'is not a valid base58check address: its checksum or length is wrong (a typo?)');
  }
  return decodeSegwit(text);
}

function typeOf(decoded: DecodedAddress): AddressType | undefined {
  if (decoded.base58Kind) return decoded.base58Kind;
  if (decoded.witnessVersion === 0) return decoded.programLength === 20 ? 'p2wpkh' : 'p2wsh';
  if (decoded.witnessVersion === 1 && decoded.programLength === 32) return 'p2tr';
  return undefined;
}

/**
 * Decides whether an address can receive payouts on `network`: P2PKH, P2SH, P2WPKH, P2WSH
 * and P2TR of that network. Future witness versions decode (BIP-350) but are refused: no
 * soft fork defines them yet, so coins sent there could be lost.
 */
export function validatePayoutAddress(text: string, network: BitcoinNetwork): ValidationResult {
  const result = decodeBitcoinAddress(text);
  if (!result.ok) return result;
  const { decoded } = result;
  if (!decoded.networks.includes(network)) {
    const theirs = decoded.networks.join('/');
    return fail('wrong_network', `is a ${theirs} address; this platform pays out on ${network}`);
  }
  const type = typeOf(decoded);
  if (!type) {
    if (decoded.witnessVersion !== undefined && decoded.witnessVersion >= 2) {
      return fail(
        'unsupported_witness_version',
        `uses witness version ${decoded.witnessVersion}, which no soft fork defines yet: coins sent there could be lost`,
      );
    }
    return fail(
      'unsupported_witness_program',
      `is a version ${decoded.witnessVersion} program of ${decoded.programLength} bytes, which is not a Taproot output`,
    );
  }
  if (type === 'p2tr') {
    // bitcoinjs needs an ECC library to map P2TR; check the key is a curve point ourselves.
    if (!isXOnlyPoint(decoded.scriptPubKeyHex.slice(4))) {
      return fail('unsupported_witness_program', 'has a Taproot output key that is not a point on secp256k1: coins sent there could never be spent');
    }
    return { ok: true, value: { address: decoded.canonical, type, network, scriptPubKeyHex: decoded.scriptPubKeyHex } };
  }
  // Belt and braces: the library must agree on the output script for this network.
  const script = hex(btcAddress.toOutputScript(decoded.canonical, NETWORKS[network]));
  if (script !== decoded.scriptPubKeyHex) return fail('malformed', 'does not map to a standard output script');
  return { ok: true, value: { address: decoded.canonical, type, network, scriptPubKeyHex: script } };
}

/** True when the address is one this platform can pay to (or be paid at) on the network. */
export function isValidBitcoinAddress(text: string, network: BitcoinNetwork): boolean {
  return validatePayoutAddress(text, network).ok;
}
