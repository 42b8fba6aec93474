import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { formatAmount } from '../../common/money/units.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../../common/pagination/cursor.js';
import { LedgerPageQueryDto, StatementQueryDto } from './dto/ledger-query.dto.js';
import { CURRENCIES_WITH_BUCKETS } from './ledger.accounts.js';
import { LedgerService } from './ledger.service.js';
import { type LedgerLineView, LedgerStatementsService, type Statement } from './ledger-statements.service.js';

export interface BalanceView {
  currency: string;
  available: string;
  reserved: string;
  arrears: string;
}

/** A customer's own money: balances, ledger lines and monthly statements. */
@ApiTags('customer')
@ApiBearerAuth()
@Controller('me')
export class LedgerController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly statements: LedgerStatementsService,
  ) {}

  @Get('balances')
  @Roles('customer')
  @ApiOperation({ summary: 'Available, reserved and arrears per currency, as decimal strings' })
  async balances(@CurrentUser() user: AuthenticatedUser): Promise<{ balances: BalanceView[] }> {
    const balances = await this.ledger.getBalances(user.userId);
    return {
      balances: CURRENCIES_WITH_BUCKETS.slice()
        .sort()
        .map((currency) => ({
          currency,
          available: formatAmount(currency, balances[currency].available),
          reserved: formatAmount(currency, balances[currency].reserved),
          arrears: formatAmount(currency, balances[currency].arrears),
        })),
    };
  }

  @Get('ledger')
  @Roles('customer')
  @ApiOperation({ summary: 'Your ledger lines, newest first (cursor-paginated)' })
  ledgerLines(@CurrentUser() user: AuthenticatedUser, @Query() query: LedgerPageQueryDto): Promise<Page<LedgerLineView>> {
    return this.statements.listPostings(user.userId, {
      currency: query.currency,
      account: query.account,
      cursor: query.cursor,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
    });
  }

  @Get('statements/:month')
  @Roles('customer')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: 'Monthly statement (UTC month YYYY-MM): opening, movements, closing; JSON or CSV (Accept: text/csv or ?format=csv)' })
  async statement(
    @CurrentUser() user: AuthenticatedUser,
    @Param('month') month: string,
    @Query() query: StatementQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Statement | string> {
    const statement = await this.statements.statement(user.userId, month);
    const wantsCsv = query.format ? query.format === 'csv' : /\btext\/csv\b/i.test(accept ?? '');
    if (!wantsCsv) return statement;
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${statement.month}.csv"`);
    return this.statements.toCsv(statement);
  }
}
