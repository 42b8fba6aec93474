import { address } from 'bitcoinjs-lib';
import { decodeBitcoinAddress, validatePayoutAddress, type AddressProblem } from './bitcoin-address.js';

const HASH160 = '751e76e8199196d454941c45d1b3a323f1433bd6';

/** BIP-350 "valid segwit addresses" with the scriptPubKey each must translate to. */
const BIP350_VALID: [string, string][] = [
  ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'],
  [
    'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y',
    '5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6',
  ],
  ['BC1SW50QGDZ25J', '6002751e'],
  ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', '5210751e76e8199196d454941c45d1b3a323'],
  ['tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'],
];

/** BIP-350 "invalid segwit addresses", each with the problem we report. */
const BIP350_INVALID: [string, AddressProblem][] = [
  ['tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', 'unknown_prefix'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'wrong_checksum_variant'],
  ['tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', 'wrong_checksum_variant'],
  ['BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', 'wrong_checksum_variant'],
  ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'wrong_checksum_variant'],
  ['tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47', 'wrong_checksum_variant'],
  ['bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', 'invalid_character'],
  ['BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', 'invalid_witness_version'],
  ['bc1pw5dgrnzv', 'invalid_program_length'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav', 'invalid_program_length'],
  ['BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'invalid_program_length'],
  ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', 'mixed_case'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', 'invalid_padding'],
  ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j', 'invalid_padding'],
  ['bc1gmk9yu', 'empty_data'],
];

/**
 * BIP-173 "invalid segwit addresses". The BIP-173 vectors for v1+ with a Bech32 checksum
 * (bc1rw5uspcuh, bc10w508..., bc1zw508...yvqyzf3du) became invalid for a second reason under
 * BIP-350 (v1+ must use Bech32m), which is the one a current decoder meets first.
 */
const BIP173_INVALID: [string, AddressProblem][] = [
  ['tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty', 'unknown_prefix'],
  ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'invalid_checksum'],
  ['BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2', 'invalid_witness_version'],
  ['bc1rw5uspcuh', 'wrong_checksum_variant'],
  ['bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90', 'wrong_checksum_variant'],
  ['BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'invalid_program_length'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7', 'mixed_case'],
  ['bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du', 'wrong_checksum_variant'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv', 'invalid_padding'],
  ['bc1gmk9yu', 'empty_data'],
];

/** BIP-173's v1+ "valid" addresses use Bech32; BIP-350 replaced that with Bech32m. */
const BIP173_SUPERSEDED = [
  'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx',
  'BC1SW50QA3JX3S',
  'bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj',
];

describe('Bitcoin address decoding (BIP-173 / BIP-350 vectors)', () => {
  it.each(BIP350_VALID)('decodes valid %s to its scriptPubKey', (text, script) => {
    const result = decodeBitcoinAddress(text);
    expect(result).toMatchObject({ ok: true, decoded: { scriptPubKeyHex: script, canonical: text.toLowerCase() } });
  });

  it.each([...BIP350_INVALID, ...BIP173_INVALID])('refuses invalid %s (%s)', (text, problem) => {
    const result = decodeBitcoinAddress(text);
    expect(result).toMatchObject({ ok: false, problem });
  });

  it.each(BIP173_SUPERSEDED)('refuses BIP-173 v1+ Bech32 address %s as the wrong checksum variant', (text) => {
    expect(decodeBitcoinAddress(text)).toMatchObject({ ok: false, problem: 'wrong_checksum_variant' });
  });

  it('decodes the BIP-173 valid v0 addresses (still valid under BIP-350)', () => {
    expect(decodeBitcoinAddress('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4')).toMatchObject({
      ok: true,
      decoded: { encoding: 'bech32', networks: ['mainnet'] },
    });
    expect(decodeBitcoinAddress('tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy')).toMatchObject({
      ok: true,
      decoded: { networks: ['testnet'] },
    });
  });

  it('decodes base58check P2PKH and P2SH of every network and refuses a broken checksum', () => {
    expect(decodeBitcoinAddress('1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH')).toMatchObject({
      ok: true,
      decoded: { networks: ['mainnet'], scriptPubKeyHex: `76a914${HASH160}88ac` },
    });
    expect(decodeBitcoinAddress('3CNHUhP3uyB9EUtRLsmvFUmvGdjGdkTxJw')).toMatchObject({
      ok: true,
      decoded: { networks: ['mainnet'], scriptPubKeyHex: `a914${HASH160}87` },
    });
    expect(decodeBitcoinAddress('mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r')).toMatchObject({ ok: true, decoded: { networks: ['testnet', 'regtest'] } });
    expect(decodeBitcoinAddress('2N3vVYSK5XRgVSGWy21PnsRmBUywSQNdCsf')).toMatchObject({ ok: true, decoded: { networks: ['testnet', 'regtest'] } });
    expect(decodeBitcoinAddress('1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ')).toMatchObject({ ok: false, problem: 'invalid_checksum' });
    // A valid base58check string with a non-Bitcoin version byte (a Litecoin address).
    expect(decodeBitcoinAddress('LVuDpNCSSj6pQ7t9Pv6d6sUkLKoqDEVUnJ')).toMatchObject({ ok: false, problem: 'unknown_prefix' });
  });

  it('refuses empty, whitespace and over-long input', () => {
    expect(decodeBitcoinAddress('')).toMatchObject({ ok: false, problem: 'empty' });
    expect(decodeBitcoinAddress(' 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH')).toMatchObject({ ok: false, problem: 'invalid_character' });
    expect(decodeBitcoinAddress(`bc1${'q'.repeat(100)}`)).toMatchObject({ ok: false, problem: 'too_long' });
  });
});

describe('payout address policy', () => {
  it('accepts every standard output type of the configured network, lower-casing bech32', () => {
    expect(validatePayoutAddress('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'mainnet')).toEqual({
      ok: true,
      value: { address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', type: 'p2wpkh', network: 'mainnet', scriptPubKeyHex: `0014${HASH160}` },
    });
    expect(validatePayoutAddress('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'mainnet')).toMatchObject({
      ok: true,
      value: { type: 'p2tr' },
    });
    expect(validatePayoutAddress('1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH', 'mainnet')).toMatchObject({ ok: true, value: { type: 'p2pkh' } });
    expect(validatePayoutAddress('3CNHUhP3uyB9EUtRLsmvFUmvGdjGdkTxJw', 'mainnet')).toMatchObject({ ok: true, value: { type: 'p2sh' } });
    expect(validatePayoutAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'testnet')).toMatchObject({
      ok: true,
      value: { type: 'p2wsh' },
    });
    expect(validatePayoutAddress('tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', 'testnet')).toMatchObject({
      ok: true,
      value: { type: 'p2tr' },
    });
    expect(validatePayoutAddress('mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r', 'regtest')).toMatchObject({ ok: true, value: { type: 'p2pkh', network: 'regtest' } });
  });

  it('refuses a mainnet address on testnet and the reverse, naming both networks', () => {
    const onTestnet = validatePayoutAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'testnet');
    expect(onTestnet).toEqual({ ok: false, problem: 'wrong_network', message: 'is a mainnet address; this platform pays out on testnet' });
    const onMainnet = validatePayoutAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'mainnet');
    expect(onMainnet).toEqual({ ok: false, problem: 'wrong_network', message: 'is a testnet address; this platform pays out on mainnet' });
    expect(validatePayoutAddress('1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH', 'testnet')).toMatchObject({ ok: false, problem: 'wrong_network' });
    expect(validatePayoutAddress('2N3vVYSK5XRgVSGWy21PnsRmBUywSQNdCsf', 'mainnet')).toMatchObject({
      ok: false,
      problem: 'wrong_network',
      message: 'is a testnet/regtest address; this platform pays out on mainnet',
    });
    expect(validatePayoutAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'regtest')).toMatchObject({
      ok: false,
      problem: 'wrong_network',
    });
  });

  it('refuses valid but unspendable-today witness versions and non-Taproot v1 programs', () => {
    expect(validatePayoutAddress('BC1SW50QGDZ25J', 'mainnet')).toMatchObject({ ok: false, problem: 'unsupported_witness_version' });
    expect(validatePayoutAddress('bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', 'mainnet')).toMatchObject({ ok: false, problem: 'unsupported_witness_version' });
    expect(validatePayoutAddress('bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y', 'mainnet')).toMatchObject({
      ok: false,
      problem: 'unsupported_witness_program',
    });
  });

  it('refuses a Taproot address whose output key is not a secp256k1 point', () => {
    const fieldPrime = Buffer.from('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f', 'hex');
    const text = address.toBech32(fieldPrime, 1, 'bc');
    expect(decodeBitcoinAddress(text)).toMatchObject({ ok: true });
    expect(validatePayoutAddress(text, 'mainnet')).toMatchObject({ ok: false, problem: 'unsupported_witness_program' });
  });
});
