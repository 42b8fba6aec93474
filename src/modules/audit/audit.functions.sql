-- Function catalogue of the audit module: the current text of every plpgsql function, trigger and
-- table storage option it owns, as the migrated database prints it (pg_get_functiondef,
-- pg_get_triggerdef; whitespace aside). The audit log is append-only.
--
-- Migrations create and replace these; this file shows what is in force now. It is not run:
-- `npm run migration:check` migrates a scratch database and fails when its functions, triggers
-- or storage options differ from the catalogues (src/**/*.functions.sql). A migration that
-- changes one updates its entry here in the same commit.

-- audit_log_append_only on audit_log: created by 1795686629732-CreateUsersAndAuditLog
CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION forbid_mutation();

-- audit_log_no_truncate on audit_log: created by 1795686629732-CreateUsersAndAuditLog
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();
