import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The function catalogue: one `<module>.functions.sql` per module (and src/common/sql for what
 * they share) holding the current text of every plpgsql function, trigger and table storage
 * option, as Postgres prints them. Migrations stay the history; the catalogue is what is in
 * force, and the migration check compares it with a freshly migrated database.
 */
export type CatalogueKind = 'function' | 'trigger' | 'storage';

export interface CatalogueEntry {
  kind: CatalogueKind;
  /** function name, `table.trigger`, or table */
  name: string;
  /** normalised text (see normaliseSql) */
  text: string;
  /** the text as written, for messages */
  source: string;
  file: string;
}

/** Whitespace runs become one space; a trailing semicolon goes. Comparison ignores layout only. */
export function normaliseSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().replace(/\s*;$/, '');
}

/**
 * Splits a script into statements on `;` outside quotes, dollar quotes and comments, dropping
 * the comments that stand between statements (those inside a function body are its text).
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < script.length) {
    const rest = script.slice(i);
    const atStart = current.trim() === '';
    if (rest.startsWith('--')) {
      const end = rest.indexOf('\n');
      const comment = end < 0 ? rest : rest.slice(0, end + 1);
      if (!atStart) current += comment;
      i += comment.length;
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = rest.indexOf('*/');
      const comment = end < 0 ? rest : rest.slice(0, end + 2);
      if (!atStart) current += comment;
      i += comment.length;
      continue;
    }
    const dollar = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = rest.indexOf(tag, tag.length);
      const quoted = end < 0 ? rest : rest.slice(0, end + tag.length);
      current += quoted;
      i += quoted.length;
      continue;
    }
    const ch = script[i];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < script.length && !(script[j] === ch && script[j + 1] !== ch)) j += script[j] === ch ? 2 : 1;
      current += script.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

/** What a statement of the catalogue declares, or undefined when it is none of the three kinds. */
export function classify(statement: string): { kind: CatalogueKind; name: string; text: string } | undefined {
  const text = normaliseSql(statement);
  const fn = /^CREATE OR REPLACE FUNCTION public\.("?[\w$]+"?)\s*\(/i.exec(text);
  if (fn) return { kind: 'function', name: fn[1].replaceAll('"', ''), text };
  const trigger = /^CREATE (?:CONSTRAINT )?TRIGGER ("?\w+"?) .*? ON (?:public\.)?("?\w+"?) /i.exec(text);
  if (trigger) return { kind: 'trigger', name: `${trigger[2]}.${trigger[1]}`.replaceAll('"', ''), text };
  const storage = /^ALTER TABLE (?:public\.)?("?\w+"?) SET \((.*)\)$/i.exec(text);
  if (storage) return { kind: 'storage', name: storage[1].replaceAll('"', ''), text: storageText(storage[1].replaceAll('"', ''), storage[2].split(',')) };
  return undefined;
}

/** Storage options in one canonical form, whatever their order or spacing. */
export function storageText(table: string, options: string[]): string {
  const list = options
    .map((o) => o.replace(/\s+/g, '').toLowerCase())
    .filter(Boolean)
    .sort();
  return `ALTER TABLE public.${table} SET (${list.join(', ')})`;
}

/** Every `*.functions.sql` under `<root>/src`, parsed; unknown statements are reported as problems. */
export function readCatalogue(root: string): { entries: CatalogueEntry[]; problems: string[] } {
  const files = (readdirSync(join(root, 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.functions.sql'))
    .map((f) => join(root, 'src', f))
    .sort();
  const entries: CatalogueEntry[] = [];
  const problems: string[] = [];
  for (const path of files) {
    const file = relative(root, path);
    for (const statement of splitStatements(readFileSync(path, 'utf8'))) {
      const entry = classify(statement);
      if (!entry) {
        problems.push(`${file}: not a function, trigger or storage option: ${normaliseSql(statement).slice(0, 80)}`);
        continue;
      }
      entries.push({ ...entry, source: statement, file });
    }
  }
  return { entries, problems };
}

/**
 * The catalogue against what the database holds (same kinds and names, normalised texts).
 * Returns one paragraph per difference, with the database's text when it is the one to copy.
 */
export function compareCatalogue(catalogue: readonly CatalogueEntry[], database: readonly Omit<CatalogueEntry, 'file'>[]): string[] {
  const problems: string[] = [];
  const key = (e: { kind: string; name: string }) => `${e.kind} ${e.name}`;
  const group = <T extends { kind: string; name: string }>(list: readonly T[]) => {
    const map = new Map<string, T[]>();
    for (const e of list) map.set(key(e), [...(map.get(key(e)) ?? []), e]);
    return map;
  };
  const inCatalogue = group(catalogue);
  const inDatabase = group(database);
  for (const [k, entries] of inCatalogue) {
    const files = [...new Set(entries.map((e) => e.file))];
    if (files.length > 1) problems.push(`${k} is in ${files.length} catalogues (${files.join(', ')}); it belongs to one module`);
    const live = inDatabase.get(k);
    if (!live) {
      problems.push(`${k} is in ${files.join(', ')} but not in the migrated database: remove it from the catalogue, or add the migration that creates it`);
      continue;
    }
    const want = entries.map((e) => e.text).sort();
    const have = live.map((e) => e.text).sort();
    if (want.join('\n') !== have.join('\n')) {
      problems.push(`${k} differs between ${files.join(', ')} and the migrated database, which has:\n${live.map((e) => e.source).join(';\n\n')};`);
    }
  }
  for (const [k, live] of inDatabase) {
    if (!inCatalogue.has(k)) {
      problems.push(
        `${k} is in the migrated database but in no catalogue: add it to its module's <module>.functions.sql:\n${live.map((e) => e.source).join(';\n\n')};`,
      );
    }
  }
  return problems;
}

/** The database side, read with the same printers the catalogue was written from. */
export const DATABASE_CATALOGUE_SQL = {
  functions: `SELECT pg_get_functiondef(p.oid) AS source
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
               WHERE n.nspname = 'public' AND l.lanname IN ('plpgsql', 'sql')
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`,
  triggers: `SELECT pg_get_triggerdef(t.oid, true) AS source
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND n.nspname = 'public'`,
  storage: `SELECT c.relname AS table, c.reloptions AS options
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.reloptions IS NOT NULL AND c.relkind IN ('r', 'p')`,
} as const;

/** Rows of DATABASE_CATALOGUE_SQL as entries comparable with the catalogue's. */
export function databaseEntries(rows: { functions: { source: string }[]; triggers: { source: string }[]; storage: { table: string; options: string[] }[] }) {
  const entries: Omit<CatalogueEntry, 'file'>[] = [];
  for (const { source } of [...rows.functions, ...rows.triggers]) {
    const entry = classify(source);
    if (entry) entries.push({ ...entry, source: source.trim() });
  }
  for (const { table, options } of rows.storage) {
    entries.push({ kind: 'storage', name: table, text: storageText(table, options), source: `ALTER TABLE public.${table} SET (${options.join(', ')})` });
  }
  return entries;
}
