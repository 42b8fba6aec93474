/**
 * Every entity the DataSource knows. Each module exports its entity list; this file only
 * gathers them so the app and the TypeORM CLI see the same schema.
 */
export const ENTITIES: Function[] = [];
