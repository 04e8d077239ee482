\set r random(1, :pool)
INSERT INTO audited_intake (payload, notes) SELECT payload, notes FROM bench_pool WHERE id = :r;
