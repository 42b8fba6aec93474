/**
 * What other modules may use of settlement: its services live in rooms (runs/, inputs/,
 * views/), and this root file is the one door to them (the arch rule
 * modules-entered-at-their-root keeps it so).
 */
export { SettlementRunsService } from './runs/settlement-runs.service.js';
export { SettlementInputsService } from './inputs/settlement-inputs.service.js';
export { ReconciliationService, type DailySettlementSummary } from './views/reconciliation.service.js';
