import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedUser, CurrentUser, type RequestWithUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { CreateDepositDto, DepositDto } from './dto/create-deposit.dto.js';
import { DepositsService } from './deposits.service.js';

@ApiTags('finance')
@ApiBearerAuth()
@Controller('deposits')
export class DepositsController {
  constructor(private readonly deposits: DepositsService) {}

  @Post()
  @Roles('finance', 'admin')
  @HttpCode(201)
  @ApiOperation({ summary: "Record an external payment into a customer's balance (idempotent on externalReference)" })
  @ApiResponse({ status: 201, type: DepositDto, description: 'Credited' })
  @ApiResponse({ status: 200, type: DepositDto, description: 'This reference was recorded before: the first deposit, nothing moved' })
  @ApiResponse({ status: 409, description: 'This reference was recorded before with other content' })
  async create(
    @Body() dto: CreateDepositDto,
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: RequestWithUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DepositDto> {
    const deposit = await this.deposits.record(dto, user, String(request.id));
    if (deposit.replayed) void reply.status(200);
    return deposit;
  }
}
