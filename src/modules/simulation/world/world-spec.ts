/** The capacity module's payout schemes (its entity is its own). */
export type PayoutScheme = 'FPPS' | 'PPS+' | 'PPLNS';

/**
 * The marketplace the demo and the simulation run: two sites with different electricity prices,
 * three miner models, four pools with different payout schemes and one product per pool with
 * terms of 30, 90, 180 and 360 days. Fleet sizes follow the demand they must serve.
 */
export interface WorldSpec {
  sites: { key: string; name: string; powerCapacityKw: string; electricityPriceUsdPerKwh: string }[];
  models: { key: string; name: string; hashrateThs: string; efficiencyJPerTh: string }[];
  pools: { key: string; name: string; stratumEndpoint: string; payoutScheme: PayoutScheme; feeBps: number; payoutAddress: string }[];
  fleets: { name: string; site: string; model: string; pool: string; unitCount: number }[];
  products: ProductSpec[];
}

export interface ProductSpec {
  key: string;
  name: string;
  pool: string;
  termDays: number;
  upfrontPriceUsdPerTh: string;
  managementFeeBps: number;
  minPurchaseThs: string;
  maxPurchaseThs: string;
  capacityAllocatedThs: string;
  uptimeGuaranteeBps: number;
  arrearsGraceDays: number;
  /** How popular the product is with buyers (relative weight). */
  popularity: number;
}

const SITES = [
  { key: 'texas', name: 'Texas West hall A', electricityPriceUsdPerKwh: '0.045' },
  { key: 'nordic', name: 'Nordic North hall B', electricityPriceUsdPerKwh: '0.078' },
];

const MODELS = [
  { key: 's21', name: 'Antminer S21', hashrateThs: '200', efficiencyJPerTh: '17.5', ths: 200, jPerTh: 17.5 },
  { key: 's19xp', name: 'Antminer S19 XP', hashrateThs: '141', efficiencyJPerTh: '21.5', ths: 141, jPerTh: 21.5 },
  { key: 'm50s', name: 'Whatsminer M50S', hashrateThs: '126', efficiencyJPerTh: '26', ths: 126, jPerTh: 26 },
];

/** Mainnet addresses (BIP-173/350 test vectors and well-formed base58), valid for BITCOIN_NETWORK=mainnet. */
const POOLS = [
  { key: 'aurora', name: 'Aurora Pool', scheme: 'FPPS', feeBps: 250, payoutAddress: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' },
  { key: 'borealis', name: 'Borealis Pool', scheme: 'PPS+', feeBps: 200, payoutAddress: 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0' },
  { key: 'cirrus', name: 'Cirrus Pool', scheme: 'PPLNS', feeBps: 100, payoutAddress: '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH' },
  { key: 'dune', name: 'Dune Pool', scheme: 'FPPS', feeBps: 150, payoutAddress: '3CNHUhP3uyB9EUtRLsmvFUmvGdjGdkTxJw' },
] as const;

/** Which fleet serves which pool and product. */
const LINES = [
  { pool: 'aurora', site: 'texas', model: 's21', product: { key: 'p30', termDays: 30, price: '3.20', mgmt: 800, grace: 7, popularity: 3 } },
  { pool: 'borealis', site: 'texas', model: 's19xp', product: { key: 'p90', termDays: 90, price: '8.50', mgmt: 700, grace: 7, popularity: 3 } },
  { pool: 'cirrus', site: 'nordic', model: 's21', product: { key: 'p180', termDays: 180, price: '15.00', mgmt: 600, grace: 10, popularity: 2 } },
  { pool: 'dune', site: 'nordic', model: 'm50s', product: { key: 'p360', termDays: 360, price: '22.00', mgmt: 500, grace: 14, popularity: 2 } },
] as const;

const named = (prefix: string, name: string) => (prefix ? `${prefix} ${name}` : name);

/** Products as buyers see them before sizing (for planning demand). */
export function productCatalogue(): { key: string; termDays: number; upfrontPriceUsdPerTh: string; popularity: number }[] {
  return LINES.map((l) => ({ key: l.product.key, termDays: l.product.termDays, upfrontPriceUsdPerTh: l.product.price, popularity: l.product.popularity }));
}

/**
 * The world sized for `demandThs` per product key (the most hash rate its buyers will hold at
 * once): fleets about 12% above it (the house keeps the rest), products allocated about 6% above
 * it, sites with 25% spare power. Names prefixed with `prefix` (e.g. "Demo", "Sim").
 */
export function worldSpec(prefix: string, demandThs: Record<string, number>): WorldSpec {
  const sitePowerKw = new Map<string, number>(SITES.map((s) => [s.key, 0]));
  const fleets: WorldSpec['fleets'] = [];
  const products: ProductSpec[] = [];
  for (const line of LINES) {
    const model = MODELS.find((m) => m.key === line.model)!;
    const demand = Math.max(50, Math.ceil(demandThs[line.product.key] ?? 0));
    const units = Math.ceil((demand * 1.12) / model.ths);
    // Two fleets per pool, so one can fail while the other runs.
    const first = Math.ceil(units / 2);
    for (const [i, unitCount] of [first, units - first].entries()) {
      if (unitCount <= 0) continue;
      fleets.push({ name: named(prefix, `${line.pool}-${line.model}-${i + 1}`), site: line.site, model: line.model, pool: line.pool, unitCount });
    }
    sitePowerKw.set(line.site, (sitePowerKw.get(line.site) ?? 0) + (units * model.ths * model.jPerTh) / 1000);
    const onlineThs = units * model.ths;
    const allocated = Math.min(onlineThs, Math.ceil(demand * 1.06));
    products.push({
      key: line.product.key,
      name: named(prefix, `${MODELS.find((m) => m.key === line.model)!.name} · ${line.product.termDays} days`),
      pool: line.pool,
      termDays: line.product.termDays,
      upfrontPriceUsdPerTh: line.product.price,
      managementFeeBps: line.product.mgmt,
      minPurchaseThs: '1',
      maxPurchaseThs: '1000',
      capacityAllocatedThs: String(allocated),
      uptimeGuaranteeBps: 9500,
      arrearsGraceDays: line.product.grace,
      popularity: line.product.popularity,
    });
  }
  return {
    sites: SITES.map((s) => ({
      key: s.key,
      name: named(prefix, s.name),
      electricityPriceUsdPerKwh: s.electricityPriceUsdPerKwh,
      powerCapacityKw: (Math.ceil((sitePowerKw.get(s.key) ?? 0) * 1.25) + 100).toFixed(3),
    })),
    models: MODELS.map((m) => ({ key: m.key, name: m.name, hashrateThs: m.hashrateThs, efficiencyJPerTh: m.efficiencyJPerTh })),
    pools: POOLS.map((p) => ({
      key: p.key,
      name: named(prefix, p.name),
      stratumEndpoint: `stratum+tcp://${p.key}.pool.example:3333`,
      payoutScheme: p.scheme,
      feeBps: p.feeBps,
      payoutAddress: p.payoutAddress,
    })),
    fleets,
    products,
  };
}
