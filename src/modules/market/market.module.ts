import { Module } from '@nestjs/common';
import { MarketController } from './market.controller.js';
import { MarketRepository } from './market.repository.js';
import { MarketService } from './market.service.js';

/** Daily BTC price and network difficulty, and the expected-yield arithmetic. */
@Module({
  controllers: [MarketController],
  providers: [MarketRepository, MarketService],
  exports: [MarketService],
})
export class MarketModule {}
