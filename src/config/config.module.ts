import { Global, Module } from '@nestjs/common';
import type { AppConfig } from './config.schema.js';
import { loadConfig } from './load-config.js';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** The one place the environment is read; everything else injects APP_CONFIG. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig = loadConfig()) {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: Object.freeze({ ...config }) }],
      exports: [APP_CONFIG],
    };
  }
}
