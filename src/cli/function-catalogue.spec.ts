import { classify, compareCatalogue, type CatalogueEntry, normaliseSql, splitStatements } from './function-catalogue.js';

const FN = `CREATE OR REPLACE FUNCTION public.guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  BEGIN
    -- a comment; with a semicolon
    RAISE EXCEPTION 'no; never';
  END
$function$`;

const entry = (source: string, file = 'src/modules/x/x.functions.sql'): CatalogueEntry => ({ ...classify(source)!, source, file });

describe('function catalogue', () => {
  it('splits on semicolons outside dollar quotes, strings and comments, dropping comments between statements', () => {
    const script = `-- header; not a statement\n${FN};\n\n-- guard on t\nCREATE TRIGGER t_guard BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION guard();\n`;
    const statements = splitStatements(script);
    expect(statements).toEqual([FN, 'CREATE TRIGGER t_guard BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION guard()']);
  });

  it('classifies functions, triggers and storage options, and ignores layout only', () => {
    expect(classify(FN)).toMatchObject({ kind: 'function', name: 'guard' });
    expect(classify('CREATE CONSTRAINT TRIGGER b AFTER INSERT ON public.p DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f()')).toMatchObject({
      kind: 'trigger',
      name: 'p.b',
    });
    expect(classify('ALTER TABLE public.b SET (fillfactor = 70)')).toEqual({ kind: 'storage', name: 'b', text: 'ALTER TABLE public.b SET (fillfactor=70)' });
    expect(classify('SELECT 1')).toBeUndefined();
    expect(normaliseSql(FN.replaceAll('\n  ', '\n        '))).toBe(normaliseSql(FN));
  });

  it('finds nothing when the catalogue holds what the database does', () => {
    const reindented = FN.replaceAll('\n  ', '\n            ');
    expect(compareCatalogue([entry(FN)], [{ ...classify(reindented)!, source: reindented }])).toEqual([]);
  });

  it('names what differs, what is missing on either side, and what two modules both claim', () => {
    const changed = FN.replace('no; never', 'never');
    const trigger = 'CREATE TRIGGER t_guard BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION guard()';
    const storage = 'ALTER TABLE public.t SET (fillfactor=70)';
    const problems = compareCatalogue(
      [entry(FN), entry(FN, 'src/modules/y/y.functions.sql'), entry(storage)],
      [
        { ...classify(changed)!, source: changed },
        { ...classify(trigger)!, source: trigger },
      ],
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe('function guard is in 2 catalogues (src/modules/x/x.functions.sql, src/modules/y/y.functions.sql); it belongs to one module');
    expect(problems[1]).toContain('function guard differs between');
    expect(problems[1]).toContain("RAISE EXCEPTION 'never'");
    expect(problems[2]).toContain('storage t is in src/modules/x/x.functions.sql but not in the migrated database');
    expect(problems[3]).toContain('trigger t.t_guard is in the migrated database but in no catalogue');
  });
});
