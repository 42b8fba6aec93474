import { DomainError, NotFoundError } from '../../common/errors/domain-error.js';
import { sqlState } from '../../database/transaction.js';

export const siteNotFound = () => new NotFoundError('CAPACITY.SITE_NOT_FOUND', 'Site');
export const minerModelNotFound = () => new NotFoundError('CAPACITY.MINER_MODEL_NOT_FOUND', 'Miner model');
export const poolNotFound = () => new NotFoundError('CAPACITY.POOL_NOT_FOUND', 'Pool');
export const fleetNotFound = () => new NotFoundError('CAPACITY.FLEET_NOT_FOUND', 'Fleet');
export const routingChangeNotFound = () => new NotFoundError('CAPACITY.CHANGE_NOT_FOUND', 'Routing change request');

export class NameTakenError extends DomainError {
  constructor(what: string, name: string) {
    super('CAPACITY.NAME_TAKEN', 'conflict', `name: a ${what} named "${name}" already exists`, { field: 'name' });
  }
}

export class SitePowerExceededError extends DomainError {
  constructor(field: string, drawKw: string, capacityKw: string) {
    super('CAPACITY.SITE_POWER_EXCEEDED', 'conflict', `${field}: the site's fleets would draw ${drawKw} kW but the site has ${capacityKw} kW`, {
      field,
      drawKw,
      capacityKw,
    });
  }
}

export class InUseError extends DomainError {
  constructor(what: string, by: string) {
    super('CAPACITY.IN_USE', 'conflict', `${what} is still used by ${by}`);
  }
}

export class GuardedSettingError extends DomainError {
  constructor(field: string) {
    super(
      'CAPACITY.GUARDED_SETTING',
      'conflict',
      `${field} decides where hash rate or payouts go: request it with POST /v1/routing-changes (a second staff user approves it, it applies after the delay)`,
      { field },
    );
  }
}

export class SelfApprovalError extends DomainError {
  constructor() {
    super('CAPACITY.SELF_APPROVAL', 'forbidden', 'A routing change must be approved by a staff user other than the one who requested it');
  }
}

export class ChangeNotOpenError extends DomainError {
  constructor(status: string, action: string) {
    super('CAPACITY.CHANGE_NOT_OPEN', 'conflict', `The change request is ${status} and can no longer be ${action}`);
  }
}

export class ChangeAlreadyOpenError extends DomainError {
  constructor() {
    super('CAPACITY.CHANGE_ALREADY_OPEN', 'conflict', 'Another change of this setting is already open: approve or cancel it first');
  }
}

export class MinerModelInUseError extends DomainError {
  constructor() {
    super('CAPACITY.MODEL_IN_USE', 'conflict', 'hashrateThs/efficiencyJPerTh: a model used by fleets keeps its specifications; create a new model instead');
  }
}

export class FleetOnlineError extends DomainError {
  constructor() {
    super('CAPACITY.FLEET_ONLINE', 'conflict', 'Set the fleet offline before deleting it');
  }
}

/** Maps a unique violation (23505) on a name index to a 409 naming the field, rethrows anything else. */
export function rethrowNameTaken(error: unknown, what: string, name: string): never {
  if (sqlState(error) === '23505') throw new NameTakenError(what, name);
  throw error;
}

/** Maps a foreign-key violation (23503) on delete to a 409, rethrows anything else. */
export function rethrowInUse(error: unknown, what: string, by: string): never {
  if (sqlState(error) === '23503') throw new InUseError(what, by);
  throw error;
}
