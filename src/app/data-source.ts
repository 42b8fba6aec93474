import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config.js';
import { buildDataSourceOptions } from './data-source-options.js';

/** Used by the TypeORM CLI (migration:generate / migration:run) against the compiled code. */
const config = loadConfig();
const AppDataSource = new DataSource(buildDataSourceOptions(config.DATABASE_URL, 4));
export default AppDataSource;
