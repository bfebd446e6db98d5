-- test/lib/pitr_violations.sql: used by test/pitr_consistency.sh and
-- test/pitr_background.sh
-- what a restored table must satisfy at an instant: every account, each
-- balance its opening 100 plus the transfers logged in it, and the logs of
-- exactly the transactions committed by the instant
CREATE FUNCTION pitr_violations(restored regclass, at timestamptz)
RETURNS TABLE (accounts bigint, logs bigint, wrong_balances bigint, logs_missing bigint, logs_extra bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH b AS (SELECT item FROM %s),
        acct AS (SELECT item -> 'id' ->> 'S' AS id, (item -> 'balance' ->> 'N')::numeric AS balance
                   FROM b WHERE item -> 'id' ->> 'S' LIKE 'acct#%%'),
        lg AS (SELECT item -> 'id' ->> 'S' AS id, item -> 'src' ->> 'S' AS src,
                      item -> 'dst' ->> 'S' AS dst, (item -> 'delta' ->> 'N')::numeric AS delta
                 FROM b WHERE item -> 'id' ->> 'S' LIKE 'log#%%'),
        committed AS (SELECT item -> 'id' ->> 'S' AS id FROM ddb_data.accounts
                       WHERE item -> 'id' ->> 'S' LIKE 'log#%%'
                         AND pg_xact_commit_timestamp(xmin) <= %L),
        moved AS (SELECT id, sum(change) AS change FROM (
                    SELECT src AS id, -delta AS change FROM lg
                    UNION ALL SELECT dst, delta FROM lg) m GROUP BY id)
        SELECT (SELECT count(*) FROM acct), (SELECT count(*) FROM lg),
               (SELECT count(*) FROM acct a LEFT JOIN moved m USING (id)
                 WHERE a.balance <> 100 + COALESCE(m.change, 0)),
               (SELECT count(*) FROM (SELECT id FROM committed EXCEPT SELECT id FROM lg) x),
               (SELECT count(*) FROM (SELECT id FROM lg EXCEPT SELECT id FROM committed) x)$q$,
        restored, at);
END
$$;
