/**
 * Tests drop and create databases: refuse any database whose name does not mark it as a
 * test one, so a mis-set DATABASE_URL can never wipe development or production data.
 */
export function assertTestDatabaseName(name: string): void {
  if (!/(^|_)test(_|$)/.test(name)) {
    throw new Error(`Refusing to use database "${name}" for tests: its name must contain "test" as a word (e.g. hashmarket_test)`);
  }
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

/**
 * Where tests put their databases: TEST_DATABASE_URL names a server and a base database whose
 * name marks it as a test one; the migrated template and per-file copies derive from it.
 */
export function testDatabaseSettings(env: NodeJS.ProcessEnv = process.env) {
  const baseUrl = env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hashmarket_test';
  const baseName = databaseNameOf(baseUrl);
  assertTestDatabaseName(baseName);
  const templateName = `${baseName}_template`;
  return {
    baseName,
    templateName,
    adminUrl: withDatabaseName(baseUrl, 'postgres'),
    urlFor: (name: string) => {
      assertTestDatabaseName(name);
      return withDatabaseName(baseUrl, name);
    },
  };
}
