import { testDatabaseSettings } from '../../src/database/test-database-guard.js';

const settings = testDatabaseSettings();

export const BASE_TEST_DB = settings.baseName;
export const TEMPLATE_DB = settings.templateName;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/1';
export const databaseUrlFor = settings.urlFor;
export const adminDatabaseUrl = () => settings.adminUrl;
