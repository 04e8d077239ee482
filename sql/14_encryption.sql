-- Column encryption: comply.is_encrypted and comply.check_encryption on pgcrypto's
-- pgp_sym_encrypt (binary and armored) and encrypt() output, plain text, JSON, random
-- bytes and gzip data (which looks random but is not ciphertext).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
RESET client_min_messages;

CREATE SCHEMA enc;
CREATE TABLE enc.samples (kind text, value bytea);
INSERT INTO enc.samples VALUES
  ('pgp_sym_encrypt', pgp_sym_encrypt('Patient record 17: lab results normal', 'passphrase')),
  ('pgp_sym_encrypt (AES256, compressed)', pgp_sym_encrypt('Patient record 17', 'passphrase', 'cipher-algo=aes256, compress-algo=1')),
  ('armor(pgp_sym_encrypt)', convert_to(armor(pgp_sym_encrypt('Patient record 17', 'passphrase')), 'UTF8')),
  ('encrypt aes', encrypt('Patient record 17: lab results normal', 'a key of sixteen', 'aes')),
  ('encrypt_iv aes-cbc', encrypt_iv('Patient record 17: lab results normal', 'a key of sixteen', '0123456789abcdef', 'aes-cbc')),
  ('random 256 bytes', gen_random_bytes(256)),
  ('random 1024 bytes', gen_random_bytes(1024)),
  ('plain text', convert_to('Patient record 17: lab results normal, follow-up in six weeks.', 'UTF8')),
  ('unicode text', convert_to('Überweisung für Frau Müller: 1.250,00 € — bitte prüfen. 患者の記録。', 'UTF8')),
  ('json', convert_to('{"patient_id": "P000017", "results": [1.2, 3.4], "ok": true}', 'UTF8')),
  ('gzip', '\x1f8b08000000000002038556516fdc360c7ed7afe05b13e09a74d9c3b06e18d076699121e882755db1479d4d9f85b3254f9273bd7fdf8f94ceb934d7ee8000b12d921f3f7e2445f4f4f7eefd477a77fdfefaaf57b774f7f1f5edcd1bc2dff5fb0fd7864efffee1985cf0f4e38aae7ea63f66cf74f5e2c54fc6d09b30eda3dbf499cede9ceb4b7a1b99e943e8f2ce46a6b761f6adcdb05ed18d6f2ee8d73ee729bdbcbcec527711e2e6f23743d7f71cf7015e5da289e3e872e69672a006eec9fa965a977274eb3933e1ec1a0e47f9e838190a1de51e96836bd827a63634f3c83eaf08e7a9e9addf38bf2197c5bd0f99ec30841db717e65bf9eaef2eb21dd703cba9bf7b2eb4b1e76807ba9bd78846b73522fc5aea90f74a110fdce5054d17a24907362495907b8eb475be4d027d17e2365d1c8254ab2466348694e984ed146d935d031c6a4cf2b5e5e4369e5b03d6b2dde2f8ceee691fe6a8c0da300a9fa93f78525a18c4714540f47a0ff43e479bf2cae4ffcdd8f9ccbe2d75dacc365a3cf3d711cd9388205f4a287ad2fc2dd2099b68c7e7cfe16814e8698609ca1579b40ea7c4dd0387c28c387139d19ce009d03f817941fc6dede1a49c30dfc969a11ca8248b43c45f048b9da6016a43e414242febf7b51a421fa00e6c9390214a14ead77b4568e7dc07c5f86f98a9b15e3dc937f1a26cd5fc1352084195f0a9674f3b1031b1dd0a1c6160c1b3924f925fe48e63146d83b9caf94a146ea6889c10f34fb83f9ded63d5d023ea736fb314d2f4f6be48e44842479d581af0093e3aabe58e9b227f7818c975e292762ef5e7ab25047268d8dd8bf11c1b71d932a10e42d486b336ad1a9a1df485c72353397324e3253ccca5dac0d61474e2c493e79d519c0f7c0bcec5ddd687dde2b70de25335037e6b7f0631cddce4a2729d7b49abe1b9703845bec7e429ca10e182b396fd5e6a2449149fc55070dab4ad9fb43be718a5a5a2e6534e5de85c40a583145e0e4a514cc331a337405f9ad0486eed0697a51895e693553a666925e15d270a84e85bd789245f3ef50758f24e923e1682b488e6a8ccbc852ffe6cc76980dfef214873d33f743ca8eb59bc183c65a78c687753c735d971463f4e36e19b172c4a0c370e0e3d28d48cecc8a6e24a4f84d5d6ce53475f491cd67b6dbad5e1b439925e616b5125fcbc825c1650a9875c54d95528d85b899242dc1b1513fe730799284fbf431d4398441a0aa00ea53268ef6e4fc90b0d937bca3ba82333f6a639fbe11cb2c1dccbba6bcaf215721e1557947d76750ece31228abe6430d5e6371b777fd0ddc01b0c07ddba49977c5dbbabe30ac2dda54ec72a94a5ea12b55db27aa671ebc87b764847e7afa689141bccc988f9c79fa74186bb3954227259cf189e5176c95ea5a0a81f4d978b12780df995f1af41cd1234a1c60fe122ff37bbc8956fc5efd0aacb025a334411b778659329c3a45d952a16584ee733ae01a394026b472e10b0b2b972d3126630ee2e614e484b36434122729771e0f06189a7bc7d08a392e69a135358a645c98b6c8303da81e029cbca43de71f6e6691a5f35b718b856b58526b30300cd9b5e8f8cd6cf1dae0f688268eaa44b41a78cec74902d3b53ae4f088852fb268c139a130c5429c289753201cca1be5052adc4d19e383199cb2ca3b4879447f86c0c3ca36ffcc368584b4b84a699a35c304a30dcc30a99a19d9b5cae46b83d41c2ed8c752c9cc34a8689830bb942ca84480cf8bba22bbdf9e96a9fbdb03a658b7c1e8fd61d9775f7500c21a4327c205824a5633ef418916546d4db1857bd06b4d7012a22dcd4cc1611d9086878b746497d7695e57a970077d2142bfa0217572eccb80b0000'::bytea),
  ('empty', ''::bytea);
SELECT kind, comply.is_encrypted(value) AS encrypted FROM enc.samples ORDER BY kind;

-- Text columns: armored messages, hex and base64 of ciphertext count; text does not.
SELECT comply.is_encrypted(armor(pgp_sym_encrypt('x', 'pw'))) AS armored_text,
       comply.is_encrypted(encode(encrypt('Patient record 17 and more', 'a key of sixteen', 'aes'), 'hex')) AS hex_text,
       comply.is_encrypted(encode(gen_random_bytes(64), 'base64')) AS base64_text,
       comply.is_encrypted('deadbeef'::text) AS short_hex,
       comply.is_encrypted('Patient record 17'::text) AS plain_text,
       comply.is_encrypted(NULL::bytea) IS NULL AS null_in_null_out;

-- Clear data stored beside real ciphertext is not encrypted (it was judged by the
-- ciphertext alone, or the whole by its statistics).
SELECT comply.is_encrypted(armor(pgp_sym_encrypt('x', 'pw')) || E'\nSSN 536-22-8714 John Smith') AS text_after_armor,
       comply.is_encrypted(pgp_sym_encrypt('x', 'pw') || convert_to('Patient John Smith SSN 536-22-8714', 'UTF8')) AS bytes_after_message,
       comply.is_encrypted(armor(pgp_sym_encrypt('x', 'pw')) || E'\n') AS newline_after_armor;

-- A column judged from a sample.
CREATE TABLE enc.patients (id int PRIMARY KEY, ssn_enc bytea, ssn_clear text, mixed bytea);
INSERT INTO enc.patients
SELECT g, pgp_sym_encrypt('536-22-' || lpad(g::text, 4, '0'), 'pw'), 'note ' || g,
       CASE WHEN g % 2 = 0 THEN pgp_sym_encrypt('x' || g, 'pw') ELSE convert_to('x' || g, 'UTF8') END
  FROM generate_series(1, 200) g;
SELECT verdict, encrypted_share, sample_size, evidence -> 'formats' AS formats
  FROM comply.check_encryption('enc.patients', 'ssn_enc');
SELECT verdict, encrypted_share, sample_size, evidence -> 'formats' AS formats
  FROM comply.check_encryption('enc.patients', 'ssn_clear', 50);
SELECT verdict, encrypted_share BETWEEN 0.3 AND 0.7 AS about_half, sample_size
  FROM comply.check_encryption('enc.patients', 'mixed');
-- A domain over bytea or text is judged as its base type.
CREATE DOMAIN enc.ciphertext AS bytea;
CREATE DOMAIN enc.note AS varchar(40);
CREATE TABLE enc.domains (c enc.ciphertext, n enc.note);
INSERT INTO enc.domains SELECT pgp_sym_encrypt('536-22-' || (1000 + g), 'pw'), 'note ' || g
  FROM generate_series(1, 50) g;
SELECT verdict, encrypted_share FROM comply.check_encryption('enc.domains', 'c');
SELECT verdict, encrypted_share FROM comply.check_encryption('enc.domains', 'n');
CREATE TABLE enc.nothing (v bytea);
SELECT verdict, encrypted_share, sample_size FROM comply.check_encryption('enc.nothing', 'v');
-- A large table is sampled by block: a sample of a few rows still reads enough pages
-- (a share of one page was often none, and a column of clear values looked empty,
-- "no_data", which the encryption controls let pass).
CREATE TABLE enc.big (id int, secret text);
INSERT INTO enc.big SELECT g, 'clear value ' || g || repeat('x', 60) FROM generate_series(1, 20000) g;
ANALYZE enc.big;
SELECT pg_relation_size('enc.big') / current_setting('block_size')::int > 128 AS more_than_128_pages;
SELECT c.verdict, count(*) AS calls, min(c.sample_size) > 0 AS sampled_rows,
       bool_and(c.evidence ->> 'sampled' = 'by block') AS by_block
  FROM generate_series(1, 25) i, LATERAL comply.check_encryption('enc.big', 'secret', 10) c
 GROUP BY c.verdict;
-- So is a partitioned table (its pages are its partitions').
CREATE TABLE enc.big_parts (id int, secret text) PARTITION BY RANGE (id);
CREATE TABLE enc.big_parts_1 PARTITION OF enc.big_parts FOR VALUES FROM (1) TO (10001);
CREATE TABLE enc.big_parts_2 PARTITION OF enc.big_parts FOR VALUES FROM (10001) TO (20001);
INSERT INTO enc.big_parts SELECT * FROM enc.big;
ANALYZE enc.big_parts;
SELECT verdict, evidence ->> 'sampled' AS sampled FROM comply.check_encryption('enc.big_parts', 'secret', 10);
-- char(n): a value's padding is no part of it (hex of AES blocks, 64 characters in 80).
CREATE TABLE enc.padded (c char(80), t text);
INSERT INTO enc.padded SELECT x, x FROM (SELECT encode(encrypt(convert_to('patient number ' || g, 'UTF8'), 'k', 'aes'), 'hex') x
                                           FROM generate_series(1, 30) g) s;
SELECT verdict, evidence -> 'formats' AS formats FROM comply.check_encryption('enc.padded', 'c');
SELECT verdict, evidence -> 'formats' AS formats FROM comply.check_encryption('enc.padded', 't');
-- One AES block (an SSN encrypted alone) is ciphertext, whatever bits it happens to hold:
-- a UUID's version and variant bits made one in eight "uuid-like" and refused. Only one
-- with a time-based UUID's version and a time between 2005 and 2100 is taken for a UUID
-- (here one of 500, 342).
SELECT count(*) FILTER (WHERE comply.is_encrypted(encrypt(convert_to('536-22-' || (1000 + g), 'UTF8'), 'k3y', 'aes'))) AS encrypted,
       count(*) AS blocks
  FROM generate_series(1, 500) g;
-- The evidence never holds values.
SELECT count(*) AS values_in_evidence FROM comply.check_encryption('enc.patients', 'ssn_clear') c
 WHERE c.evidence::text LIKE '%note%';
\set VERBOSITY terse
SELECT * FROM comply.check_encryption('enc.patients', 'id');
SELECT * FROM comply.check_encryption('enc.patients', 'nope');
SELECT * FROM comply.check_encryption('enc.patients', '536-22-8714');
SELECT * FROM comply.check_encryption(0::regclass, 'x');
SELECT * FROM comply.check_encryption('enc.patients', 'ssn_enc', 0);
SELECT * FROM comply.check_encryption('enc.patients', NULL);
\set VERBOSITY default
DROP SCHEMA enc CASCADE;

-- A protected column declared encrypted refuses clear values; the encryption controls
-- of the catalog check such columns.
CREATE SCHEMA enc2;
CREATE TABLE enc2.patients (id int PRIMARY KEY, ssn bytea, note text);
SELECT comply.protect('enc2.patients', '{"columns": {"ssn": {"encrypted": true}},
                                         "regulations": ["GDPR Art. 32(1)(a)", "HIPAA §164.312(a)(2)(iv)"]}');
INSERT INTO enc2.patients VALUES (1, pgp_sym_encrypt('536-22-8714', 'pw'), 'ok');
INSERT INTO enc2.patients VALUES (2, convert_to('536-22-8714', 'UTF8'), 'forgot to encrypt');
-- Every single AES block passes, those with a time-based UUID's form among them (this
-- key makes one of them one: 342).
INSERT INTO enc2.patients SELECT 100 + g, encrypt(convert_to('536-22-' || (1000 + g), 'UTF8'), 'k3y', 'aes'), 'one block'
  FROM generate_series(1, 500) g;
DELETE FROM enc2.patients WHERE id > 100;
SELECT id FROM enc2.patients;
SELECT comply.run_jobs() >= 0 AS worked;
SELECT details ->> 'column' AS col, details ->> 'errors' AS errors FROM comply.audit_log
 WHERE action = 'protect.rejected' AND object = 'enc2.patients';
SELECT control, status FROM comply.requirements_matrix()
 WHERE object = 'enc2.patients' AND control IN ('GDPR-32-encryption', 'HIPAA-164.312-a-2-iv') ORDER BY 1;
SELECT control_id, status FROM comply.run_controls(ARRAY['GDPR-32-encryption', 'HIPAA-164.312-a-2-iv']);
-- The data-flow diagram draws the ciphertext check, and the rows it refuses, as it draws
-- a schema's.
SELECT line FROM regexp_split_to_table(comply.data_flow(schema_name => 'enc2'), E'\n') line
 WHERE line ~ '(ciphertext|rejected)' ORDER BY line;
-- The matrix runs as its caller: a role that may not read the encrypted column gets a
-- gap saying it was not verified, not an error.
CREATE ROLE enc_auditor;
GRANT USAGE ON SCHEMA enc2 TO enc_auditor;
SET ROLE enc_auditor;
SELECT control, status FROM comply.requirements_matrix()
 WHERE object = 'enc2.patients' AND control = 'GDPR-32-encryption';
RESET ROLE;
-- Granted run_controls, it runs them: the run is recorded as its own, and its failures
-- raise no alert (it may not raise alerts), which a notice says.
GRANT EXECUTE ON FUNCTION comply.run_controls(text[]) TO enc_auditor;
SELECT count(*) AS alerts_before_run FROM comply.alerts \gset
SET ROLE enc_auditor;
SELECT control_id, status FROM comply.run_controls(ARRAY['GDPR-32-encryption']);
RESET ROLE;
SELECT current_user_name, details ->> 'failed' AS failed FROM comply.audit_log
 WHERE action = 'controls.run' ORDER BY id DESC LIMIT 1;
SELECT count(*) - :alerts_before_run AS alerts_raised FROM comply.alerts;
REVOKE EXECUTE ON FUNCTION comply.run_controls(text[]) FROM enc_auditor;
DROP OWNED BY enc_auditor;
DROP ROLE enc_auditor;
\set VERBOSITY terse
SELECT comply.protect('enc2.patients', '{"columns": {"id": {"encrypted": true}}}');
\set VERBOSITY default
SELECT comply.unprotect('enc2.patients');
DROP SCHEMA enc2 CASCADE;
