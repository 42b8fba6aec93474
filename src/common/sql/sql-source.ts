/**
 * A query one module hands another so set-based work can cross a module boundary without
 * rows passing through process memory: the owner writes the SQL over its own tables, the
 * caller embeds it as a subquery. Placeholders are $1..$n over `params`; the text must not
 * contain dollar-quoted strings (placeholders are renumbered by pattern).
 */
export interface SqlSource {
  sql: string;
  params: unknown[];
}

/**
 * Returns `source.sql` with its placeholders shifted by `offset` (so $1 becomes $(offset+1)),
 * and appends its params to `params`: `FROM (${embed(source, params)}) AS c`.
 */
export function embed(source: SqlSource, params: unknown[]): string {
  const offset = params.length;
  params.push(...source.params);
  return source.sql.replace(/\$(\d+)/g, (_match, n: string) => `$${Number.parseInt(n, 10) + offset}`);
}
