import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { LedgerIntegrityService, type TrialBalance } from './ledger-integrity.service.js';

@ApiTags('finance')
@ApiBearerAuth()
@Controller('ledger')
export class LedgerFinanceController {
  constructor(
    private readonly integrity: LedgerIntegrityService,
    private readonly clock: Clock,
  ) {}

  @Get('trial-balance')
  @Roles('finance', 'admin')
  @ApiOperation({ summary: 'Every account balance per currency (customers per bucket); each currency totals zero' })
  trialBalance(): Promise<TrialBalance> {
    return this.integrity.trialBalance(this.clock.now());
  }
}
