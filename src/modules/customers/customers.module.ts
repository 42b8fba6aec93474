import { Module } from '@nestjs/common';
import { CustomersController } from './customers.controller.js';

/** The signed-in user's own account (/v1/me); reads and writes through the auth module's UsersService. */
@Module({ controllers: [CustomersController] })
export class CustomersModule {}
