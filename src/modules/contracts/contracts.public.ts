/**
 * What other modules may use of contracts' rooms (purchase/): the price rule the simulation
 * plans with. The arch rule modules-entered-at-their-root keeps other modules at the root.
 */
export { purchasePrice } from './purchase/purchase-rules.js';
