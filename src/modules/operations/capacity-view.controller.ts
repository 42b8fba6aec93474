import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/roles.js';
import { CapacityViewService } from './capacity-view.service.js';

@ApiTags('capacity')
@ApiBearerAuth()
@Controller('capacity')
export class CapacityViewController {
  constructor(private readonly capacityView: CapacityViewService) {}

  /** Per pool and site: installed, online, allocated, sold, available (TH/s) and pending routing changes. */
  @Roles('operator', 'finance', 'admin')
  @Get()
  view() {
    return this.capacityView.view();
  }
}
