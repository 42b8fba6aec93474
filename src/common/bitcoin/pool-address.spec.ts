import { isValidBitcoinAddress } from './bitcoin-address.js';

describe('payout address validation', () => {
  it.each([
    ['1BoatSLRHtKNngkdXEeobR76b53LETtpyT', 'mainnet'], // P2PKH
    ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'mainnet'], // P2SH
    ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'mainnet'], // P2WPKH
    ['bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297', 'mainnet'], // P2TR (BIP-86 vector)
    ['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'testnet'],
    ['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest'],
  ] as const)('accepts %s on %s', (address, network) => {
    expect(isValidBitcoinAddress(address, network)).toBe(true);
  });

  it.each([
    ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr', 'mainnet'], // checksum broken
    ['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'mainnet'], // testnet address on mainnet
    ['1BoatSLRHtKNngkdXEeobR76b53LETtpyT', 'testnet'],
    ['1BoatSLRHtKNngkdXEeobR76b53LETtpyU', 'mainnet'], // base58 checksum broken
    [' 1BoatSLRHtKNngkdXEeobR76b53LETtpyT', 'mainnet'],
    ['not an address', 'mainnet'],
    // taproot with an x coordinate that is not on the curve (x = 5: 5^3 + 7 = 132 is not a square mod p)
    ['bc1pqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzs2jkusy', 'mainnet'],
  ] as const)('refuses %j on %s', (address, network) => {
    expect(isValidBitcoinAddress(address, network)).toBe(false);
  });
});
