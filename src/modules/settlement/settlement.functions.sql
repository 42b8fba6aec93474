-- Function catalogue of the settlement module: the current text of every plpgsql function, trigger
-- and table storage option it owns, as the migrated database prints it (pg_get_functiondef,
-- pg_get_triggerdef; whitespace aside). Settlement rows are append-only (a correction is a new
-- row).
--
-- Migrations create and replace these; this file shows what is in force now. It is not run:
-- `npm run migration:check` migrates a scratch database and fails when its functions, triggers
-- or storage options differ from the catalogues (src/**/*.functions.sql). A migration that
-- changes one updates its entry here in the same commit.

-- contract_settlements_append_only on contract_settlements: created by 1795688723037-CreateSettlement, re-created by 1796161239644-SettlementAsOfDayAndRunAttempts
CREATE TRIGGER contract_settlements_append_only BEFORE DELETE OR UPDATE ON contract_settlements FOR EACH ROW EXECUTE FUNCTION forbid_mutation();
