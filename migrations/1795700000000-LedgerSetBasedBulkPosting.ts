import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Set-based posting for ledger_post_bulk (settlement posts 100,000 customer lines at once).
 *
 * Before: every posting fired a row trigger that updated its balance row (plus the guard on
 * that row), and a deferred row trigger that summed its whole entry at commit; at 100,000
 * postings that was most of a settlement run.
 *
 * Now ledger_post_bulk locks the balance rows it moves (in key order), computes each posting's
 * sequence number, balance-after and currency from them with a window, and inserts the
 * postings with the transaction-local setting hashmarket.ledger_set_based = on. The row triggers
 * skip such rows (their WHEN clauses read the setting at insert time), and a statement trigger
 * verifies and applies them as a set: every posting must continue its balance row (next
 * sequence numbers, running balance, the row's currency, inside its bounds at every step),
 * every balance row then moves by the sum of its postings (only if nobody moved it meanwhile),
 * and every entry the statement touched must sum to zero per currency. Whoever sets the
 * setting, the database still refuses a posting that does not match its balance row or an
 * unbalanced entry, so balances cannot drift from their postings on either path.
 */
export class LedgerSetBasedBulkPosting1795700000000 implements MigrationInterface {
    name = 'LedgerSetBasedBulkPosting1795700000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER ledger_postings_apply ON ledger_postings`);
        await queryRunner.query(`
            CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings FOR EACH ROW
                WHEN (current_setting('hashmarket.ledger_set_based', true) IS DISTINCT FROM 'on')
                EXECUTE FUNCTION ledger_apply_posting()
        `);
        // A constraint trigger's WHEN is evaluated when the row is inserted, not at commit.
        await queryRunner.query(`DROP TRIGGER ledger_postings_balanced ON ledger_postings`);
        await queryRunner.query(`
            CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                WHEN (current_setting('hashmarket.ledger_set_based', true) IS DISTINCT FROM 'on')
                EXECUTE FUNCTION ledger_check_entry_balanced()
        `);
        await queryRunner.query(`
            CREATE FUNCTION ledger_apply_postings_set() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                r record;
                v_groups int;
                v_moved int;
            BEGIN
                SELECT v.* INTO r
                  FROM (SELECT n.account_id, n.shard, n.entry_id, n.amount_minor, n.account_seq, n.balance_after_minor, n.currency,
                               b.account_id AS balance_account, b.currency AS balance_currency, b.min_balance_minor, b.max_balance_minor,
                               b.seq + row_number() OVER w AS want_seq,
                               b.balance_minor + sum(n.amount_minor) OVER w AS want_balance
                          FROM new_postings n
                          LEFT JOIN ledger_balances b ON b.account_id = n.account_id AND b.shard = n.shard
                        WINDOW w AS (PARTITION BY n.account_id, n.shard ORDER BY n.account_seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) v
                 WHERE v.balance_account IS NULL
                    OR v.account_seq <> v.want_seq OR v.balance_after_minor <> v.want_balance OR v.currency <> v.balance_currency
                    OR v.want_balance < v.min_balance_minor OR v.want_balance > v.max_balance_minor
                 ORDER BY (v.balance_account IS NULL) DESC, (v.account_seq <> v.want_seq OR v.balance_after_minor <> v.want_balance OR v.currency <> v.balance_currency) DESC
                 LIMIT 1;
                IF FOUND THEN
                    IF r.balance_account IS NULL THEN
                        RAISE EXCEPTION 'ledger account % has no shard %', r.account_id, r.shard
                            USING ERRCODE = 'HM404', DETAIL = json_build_object('accountId', r.account_id::text)::text;
                    END IF;
                    IF r.account_seq <> r.want_seq OR r.balance_after_minor <> r.want_balance OR r.currency <> r.balance_currency THEN
                        RAISE EXCEPTION 'ledger posting of entry % does not continue balance % shard %', r.entry_id, r.account_id, r.shard
                            USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    RAISE EXCEPTION 'ledger account % would leave its bounds: balance %, change %', r.account_id, r.want_balance - r.amount_minor, r.amount_minor
                        USING ERRCODE = 'HM402',
                              DETAIL = (SELECT json_build_object('accountId', r.account_id::text, 'customerId', a.customer_id, 'account', a.name,
                                                                 'currency', r.balance_currency, 'balanceMinor', (r.want_balance - r.amount_minor)::text,
                                                                 'amountMinor', r.amount_minor::text,
                                                                 'bound', CASE WHEN r.want_balance < r.min_balance_minor THEN 'min' ELSE 'max' END)::text
                                          FROM ledger_accounts a WHERE a.id = r.account_id);
                END IF;

                -- Moves each balance row by its postings, unless it moved since they were computed
                -- (its sequence number says so): then the count falls short and nothing commits.
                UPDATE ledger_balances b
                   SET balance_minor = b.balance_minor + g.total, seq = b.seq + g.n
                  FROM (SELECT account_id, shard, sum(amount_minor) AS total, count(*) AS n, min(account_seq) AS first_seq
                          FROM new_postings GROUP BY account_id, shard) g
                 WHERE b.account_id = g.account_id AND b.shard = g.shard AND b.seq = g.first_seq - 1;
                GET DIAGNOSTICS v_moved = ROW_COUNT;
                SELECT count(*) INTO v_groups FROM (SELECT DISTINCT account_id, shard FROM new_postings) g;
                IF v_moved <> v_groups THEN
                    RAISE EXCEPTION 'ledger balances moved while postings were computed' USING ERRCODE = 'serialization_failure';
                END IF;

                -- Double entry, checked for every entry the statement touched (all its postings).
                SELECT p.entry_id, p.currency, sum(p.amount_minor) AS total INTO r
                  FROM ledger_postings p
                 WHERE p.entry_id IN (SELECT DISTINCT entry_id FROM new_postings)
                 GROUP BY p.entry_id, p.currency
                HAVING sum(p.amount_minor) <> 0
                 LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION 'ledger entry % is unbalanced: its % postings sum to %', r.entry_id, r.currency, r.total
                        USING ERRCODE = 'HM400', DETAIL = json_build_object('entryId', r.entry_id::text, 'currency', r.currency)::text;
                END IF;
                RETURN NULL;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER ledger_postings_apply_set AFTER INSERT ON ledger_postings
                REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT
                WHEN (current_setting('hashmarket.ledger_set_based', true) = 'on')
                EXECUTE FUNCTION ledger_apply_postings_set()
        `);
        await queryRunner.query(`
            CREATE OR REPLACE FUNCTION ledger_post_bulk(
                p_types text[], p_keys text[], p_references text[], p_hashes text[], p_actor_id uuid, p_actor_role text, p_posted_at timestamptz,
                p_line_entries int[], p_line_nos smallint[], p_account_ids bigint[], p_shards smallint[], p_customer_ids uuid[],
                p_names text[], p_currencies text[], p_amounts bigint[]
            ) RETURNS TABLE (o_ord int, o_entry_id bigint, o_replayed boolean, o_account_ids bigint[]) LANGUAGE plpgsql AS $$
            DECLARE
                v_new_ords int[];
                v_new_ids bigint[];
                v_missing text;
                v_conflict text;
                v_entry_ids bigint[];
                v_line_nos smallint[];
                v_account_ids bigint[];
                v_shards smallint[];
                v_amounts bigint[];
                v_expected int;
                v_inserted int;
            BEGIN
                WITH input AS (
                    SELECT i.type, i.key, i.reference, i.hash, i.ord::int AS ord
                      FROM unnest(p_types, p_keys, p_references, p_hashes) WITH ORDINALITY AS i(type, key, reference, hash, ord)
                ), inserted AS (
                    INSERT INTO ledger_entries (type, idempotency_key, reference, actor_id, actor_role, request_hash, posted_at)
                    SELECT input.type, input.key, input.reference, p_actor_id, p_actor_role, input.hash, p_posted_at FROM input ORDER BY input.ord
                    ON CONFLICT (idempotency_key) DO NOTHING
                    RETURNING id, idempotency_key
                )
                SELECT coalesce(array_agg(input.ord), '{}'), coalesce(array_agg(inserted.id), '{}') INTO v_new_ords, v_new_ids
                  FROM input JOIN inserted ON inserted.idempotency_key = input.key;

                SELECT i.key INTO v_missing
                  FROM unnest(p_keys) WITH ORDINALITY AS i(key, ord)
                 WHERE NOT (i.ord::int = ANY (v_new_ords))
                   AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idempotency_key = i.key)
                 LIMIT 1;
                IF v_missing IS NOT NULL THEN
                    RAISE EXCEPTION 'ledger entry % is not visible to this snapshot', v_missing USING ERRCODE = 'serialization_failure';
                END IF;
                SELECT i.key INTO v_conflict
                  FROM unnest(p_keys, p_hashes) WITH ORDINALITY AS i(key, hash, ord)
                  JOIN ledger_entries e ON e.idempotency_key = i.key
                 WHERE NOT (i.ord::int = ANY (v_new_ords)) AND e.request_hash <> i.hash
                 LIMIT 1;
                IF v_conflict IS NOT NULL THEN
                    RAISE EXCEPTION 'idempotency key % was already used for different content', v_conflict
                        USING ERRCODE = 'HM409', DETAIL = json_build_object('idempotencyKey', v_conflict)::text;
                END IF;

                PERFORM ledger_customer_account_id(m.customer_id, m.currency, m.name)
                   FROM (SELECT DISTINCT l.customer_id, l.currency, l.name
                           FROM unnest(p_customer_ids, p_currencies, p_names) AS l(customer_id, currency, name)
                          WHERE l.customer_id IS NOT NULL) m
                  WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.customer_id = m.customer_id AND a.currency = m.currency AND a.name = m.name);

                IF cardinality(v_new_ids) = 0 THEN
                    RETURN QUERY
                    SELECT i.ord::int, e.id, true, NULL::bigint[]
                      FROM unnest(p_keys) WITH ORDINALITY AS i(key, ord)
                      JOIN ledger_entries e ON e.idempotency_key = i.key
                     ORDER BY i.ord;
                    RETURN;
                END IF;

                -- The new entries' lines with their account ids, resolved once.
                SELECT coalesce(array_agg(n.id ORDER BY l.i), '{}'), coalesce(array_agg(l.line_no ORDER BY l.i), '{}'),
                       coalesce(array_agg(COALESCE(l.account_id, a.id) ORDER BY l.i), '{}'), coalesce(array_agg(l.shard ORDER BY l.i), '{}'),
                       coalesce(array_agg(l.amount ORDER BY l.i), '{}')
                  INTO v_entry_ids, v_line_nos, v_account_ids, v_shards, v_amounts
                  FROM unnest(p_line_entries, p_line_nos, p_account_ids, p_shards, p_customer_ids, p_names, p_currencies, p_amounts)
                       WITH ORDINALITY AS l(entry_ord, line_no, account_id, shard, customer_id, name, currency, amount, i)
                  JOIN unnest(v_new_ords, v_new_ids) AS n(ord, id) ON n.ord = l.entry_ord
                  LEFT JOIN ledger_accounts a
                    ON l.account_id IS NULL AND a.customer_id = l.customer_id AND a.currency = l.currency AND a.name = l.name;
                v_expected := cardinality(v_entry_ids);

                -- The balance rows these postings move, locked in key order (the order every
                -- writer locks them in), so the values read next stay current until commit.
                PERFORM 1 FROM ledger_balances b
                  WHERE (b.account_id, b.shard) IN (SELECT * FROM unnest(v_account_ids, v_shards))
                  ORDER BY b.account_id, b.shard
                    FOR UPDATE;

                -- Sequence numbers and balances-after continue each balance row in (entry, line)
                -- order; a line without a balance row gets placeholders the statement trigger
                -- refuses (HM404). The trigger checks bounds and balance, and moves the rows.
                PERFORM set_config('hashmarket.ledger_set_based', 'on', true);
                INSERT INTO ledger_postings (account_id, shard, account_seq, entry_id, line_no, currency, amount_minor, balance_after_minor, posted_at)
                SELECT x.account_id, x.shard,
                       COALESCE(b.seq, 0) + row_number() OVER w,
                       x.entry_id, x.line_no, COALESCE(b.currency, ''),
                       x.amount,
                       COALESCE(b.balance_minor, 0) + sum(x.amount) OVER w,
                       p_posted_at
                  FROM unnest(v_entry_ids, v_line_nos, v_account_ids, v_shards, v_amounts) AS x(entry_id, line_no, account_id, shard, amount)
                  LEFT JOIN ledger_balances b ON b.account_id = x.account_id AND b.shard = x.shard
                WINDOW w AS (PARTITION BY x.account_id, x.shard ORDER BY x.entry_id, x.line_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                 ORDER BY x.account_id, x.shard, x.entry_id, x.line_no;
                GET DIAGNOSTICS v_inserted = ROW_COUNT;
                PERFORM set_config('hashmarket.ledger_set_based', 'off', true);
                IF v_inserted <> v_expected THEN
                    RAISE EXCEPTION 'ledger_post_bulk: % lines, % postings', v_expected, v_inserted USING ERRCODE = 'HM400';
                END IF;

                RETURN QUERY
                SELECT i.ord::int, COALESCE(n.id, e.id), n.id IS NULL, ids.account_ids
                  FROM unnest(p_keys) WITH ORDINALITY AS i(key, ord)
                  LEFT JOIN unnest(v_new_ords, v_new_ids) AS n(ord, id) ON n.ord = i.ord
                  LEFT JOIN ledger_entries e ON n.id IS NULL AND e.idempotency_key = i.key
                  LEFT JOIN (SELECT p.entry_id, array_agg(p.account_id ORDER BY p.line_no) AS account_ids
                               FROM unnest(v_entry_ids, v_line_nos, v_account_ids) AS p(entry_id, line_no, account_id)
                              GROUP BY p.entry_id) ids ON ids.entry_id = n.id
                 ORDER BY i.ord;
            END
            $$
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER ledger_postings_apply_set ON ledger_postings`);
        await queryRunner.query(`DROP FUNCTION ledger_apply_postings_set`);
        await queryRunner.query(`DROP TRIGGER ledger_postings_balanced ON ledger_postings`);
        await queryRunner.query(`
            CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()
        `);
        await queryRunner.query(`DROP TRIGGER ledger_postings_apply ON ledger_postings`);
        await queryRunner.query(`
            CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting()
        `);
        // The row-by-row ledger_post_bulk of CreateLedger comes back when that migration is
        // reverted and run again; until then the set-based one stays, with row triggers doing the work.
    }
}
