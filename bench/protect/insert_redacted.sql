\set r random(1, :pool)
INSERT INTO redacted_intake (payload, notes) SELECT payload, notes FROM bench_pool WHERE id = :r;
