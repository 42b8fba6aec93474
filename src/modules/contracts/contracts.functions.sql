-- Function catalogue of the contracts module: the current text of every plpgsql function, trigger
-- and table storage option it owns, as the migrated database prints it (pg_get_functiondef,
-- pg_get_triggerdef; whitespace aside). Contract status history is append-only.
--
-- Migrations create and replace these; this file shows what is in force now. It is not run:
-- `npm run migration:check` migrates a scratch database and fails when its functions, triggers
-- or storage options differ from the catalogues (src/**/*.functions.sql). A migration that
-- changes one updates its entry here in the same commit.

-- contract_status_changes_append_only on contract_status_changes: created by 1795687679626-CreateCapacityMarketProductsContractsOutbox
CREATE TRIGGER contract_status_changes_append_only BEFORE DELETE OR UPDATE ON contract_status_changes FOR EACH ROW EXECUTE FUNCTION forbid_mutation();
