\set r random(1, :pool)
INSERT INTO protected_intake (payload, notes) SELECT payload, notes FROM bench_pool WHERE id = :r;
