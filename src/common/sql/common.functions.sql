-- Function catalogue of src/common: the current text of every plpgsql function, trigger and table
-- storage option it owns, as the migrated database prints it (pg_get_functiondef,
-- pg_get_triggerdef; whitespace aside). Functions every module's triggers share.
--
-- Migrations create and replace these; this file shows what is in force now. It is not run:
-- `npm run migration:check` migrates a scratch database and fails when its functions, triggers
-- or storage options differ from the catalogues (src/**/*.functions.sql). A migration that
-- changes one updates its entry here in the same commit.

-- forbid_mutation(): created by 1795686629732-CreateUsersAndAuditLog, replaced by 1795687301115-CreateLedger, replaced by 1795687498558-AddPayouts, replaced by 1795687679626-CreateCapacityMarketProductsContractsOutbox, replaced by 1795688723037-CreateSettlement
CREATE OR REPLACE FUNCTION public.forbid_mutation()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
  BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
  END
$function$;
