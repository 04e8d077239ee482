-- comply.detect: every built-in entity, valid and invalid vectors, positions in
-- characters, overlaps, scores, filters, NULLs and errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

-- A helper view of findings with the text they cover.
CREATE FUNCTION found(t text, min_score float8 DEFAULT 0.5)
  RETURNS TABLE(entity text, start_pos int, length int, score numeric, value text)
  LANGUAGE sql AS $$
  SELECT d.entity, d.start_pos, d.length, round(d.score::numeric, 2), substr(t, d.start_pos, d.length)
    FROM comply.detect(t, min_score) d $$;

SELECT * FROM comply.entities();

-- A realistic record: positions are 1-based characters, rows in order.
SELECT * FROM found('Patient Maria Garcia (DOB 1984-03-05), SSN 536-22-8714, reached at (415) 555-2671 or maria.garcia@example.org.');

-- US_SSN: separators, invalid areas/groups/serials, published examples, digit runs.
SELECT * FROM found('ssn 536-22-8714 | 536 22 8714 | 536.22.8714 | 536228714');
SELECT * FROM found('SSN: 000-12-3456 666-12-3456 912-12-3456 536-00-8714 536-22-0000 078-05-1120 123-45-6789 111-11-1111');
SELECT * FROM found('ssn 536-22-8714 and ref 12536-22-87140 and 5362287141234');
-- mixed separators are not an SSN
SELECT * FROM found('ssn 536-22 8714');

-- CREDIT_CARD: issuers, separators, Luhn.
SELECT * FROM found('cards: 4111 1111 1111 1111, 5555-5555-5555-4444, 378282246310005, 6011111111111117, 3530111333300000, 2223003122003222');
SELECT * FROM found('not cards: 4111 1111 1111 1112, 4111-1111 1111-1111, 9111111111111111, 1234567812345678');
-- a card followed by more digits after a space is still found
SELECT * FROM found('card 4111 1111 1111 1111 2024');

-- IBAN_CODE: grouped and not, checksums, a capitalised word after it.
SELECT * FROM found('IBAN GB82 WEST 1234 5698 7654 32, DE89370400440532013000 and FR1420041010050500013M02606');
SELECT * FROM found('IBAN GB82 WEST 1234 5698 7654 33 and DE89370400440532013001');
SELECT * FROM found('pay to GB82WEST12345698765432 TODAY');

-- EMAIL_ADDRESS and URL.
SELECT * FROM found('write to j.doe+intake@mail.example.co.uk or see https://portal.example.com/cases?id=7.');
-- Only "john@example.com" of the first two; an image's name is none; a doubled dot is
-- found whole, as likely (0.5).
SELECT * FROM found('not emails: john@@example.com, .john@example.com, logo@2x.png; john..doe@example.com');
SELECT * FROM found('visit www.example.org/help, (see https://en.wikipedia.org/wiki/Foo_(bar)).');

-- PHONE_NUMBER: national and international formats, libphonenumber validation.
SELECT * FROM found('call (415) 555-2671, 415.555.2671, +1 415 555 2671, +44 20 7946 0958, +49 30 901820, 020 7946 0958');
SELECT * FROM found('not phones: 123-456-7890, +1 000 000 0000, 555-1234');

-- IP_ADDRESS: IPv4, IPv6 compressed and mapped; bad octets and groups refused.
SELECT * FROM found('hosts 192.168.1.20, 10.0.0.1, 2001:db8::1, ::ffff:192.0.2.1, fe80::1:2:3:4 and 2001:0db8:85a3:0000:0000:8a2e:0370:7334');
SELECT * FROM found('not ips: 256.1.1.1, 1.2.3, 01.2.3.4, 1::2::3, 12:30:45');

-- MAC_ADDRESS
SELECT * FROM found('device mac 00:1A:2B:3C:4D:5E, 00-1a-2b-3c-4d-5e, 001a.2b3c.4d5e; not 00:1A-2B:3C:4D:5E');

-- DATE_TIME: formats, calendar validity, birth context raises the score.
SELECT * FROM found('seen 2024-02-29, 03/14/1985, 14.03.1985, March 5, 1984, 5 March 1984 and 2024-01-15T10:20:30Z');
SELECT * FROM found('not dates: 2023-02-29, 31/04/2020, 13/25/2020, February 30 2001');
SELECT * FROM found('date of birth: 03/14/1985; visit 03/14/1985');

-- CRYPTO: Bitcoin base58check and bech32, Ethereum (EIP-55).
SELECT * FROM found('wallet 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2, 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy, bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4, 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
SELECT * FROM found('not wallets: 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3, bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5, 0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed');

-- US_NPI, UK_NHS, ABA_ROUTING_NUMBER, US_ITIN: checksums, with their context words.
SELECT * FROM found('provider NPI 1234567893; NPI 1234567890');
SELECT * FROM found('NHS number 943 476 5919; NHS number 943 476 5918');
SELECT * FROM found('routing number 011000015; routing 011000016');
SELECT * FROM found('ITIN 912-70-1234; ITIN 912-40-1234');

-- Weak patterns appear only with their context words.
SELECT * FROM found('order 12345678 shipped; bank account 12345678');
-- leading zeros: an account number, not a phone number with a trunk prefix
SELECT * FROM found('bank account 000123456789');
SELECT * FROM found('passport C03005988; ref C03005988');
SELECT * FROM found('driver license D1234567; code D1234567');

-- PERSON: honorifics, cue words, closings and first names; no external model.
SELECT * FROM found('Dr. Ana María López-Pérez saw Mr. O''Brien. Dear Customer, Patient Portal is down.');
SELECT * FROM found('Patient: Kwame Mensah. Signed, Emily Watson. Sincerely, Jean-Luc Picard');
SELECT * FROM found('Yesterday Sarah Connor called. The Quick Brown Fox. Laura Palmer and Will Call.');

-- Unicode around matches: positions count characters, not bytes.
SELECT * FROM found('Ünïcödé — 日本語 536-22-8714 ✓ ñ maria@example.org 😀 (415) 555-2671');
SELECT entity, substr(t, start_pos, length) FROM (SELECT 'é😀 ssn 536-22-8714' AS t) s, comply.detect(t);

-- Overlaps: one finding per span; the better score wins.
SELECT * FROM found('contact 415-555-2671', 0);

-- min_score and entity filters.
SELECT * FROM found('ssn 536228714', 0.2);
SELECT * FROM found('ssn 536228714', 0.9);
SELECT entity, start_pos FROM comply.detect('ssn 536-22-8714 mail a@example.com', 0.5, ARRAY['EMAIL_ADDRESS']);
SELECT entity, start_pos FROM comply.detect('ssn 536-22-8714 mail a@example.com', 0.5, ARRAY['us_ssn']);
SELECT count(*) FROM comply.detect('ssn 536-22-8714', 0.5, '{}');

-- NULL in, nothing out; empty text; text without PII.
SELECT count(*) FROM comply.detect(NULL);
SELECT count(*) FROM comply.detect('');
SELECT count(*) FROM comply.detect('The quick brown fox jumps over the lazy dog 42 times.');

-- Errors: bad arguments get precise SQLSTATEs; no input is echoed.
\set VERBOSITY sqlstate
SELECT * FROM comply.detect('ssn 536-22-8714', 1.5);
SELECT * FROM comply.detect('ssn 536-22-8714', NULL);
SELECT * FROM comply.detect('ssn 536-22-8714', 0.5, ARRAY['NOT_AN_ENTITY']);
SELECT * FROM comply.detect('ssn 536-22-8714', 0.5, ARRAY[NULL]);
\set VERBOSITY default
SELECT * FROM comply.detect('ssn 536-22-8714', 0.5, ARRAY['NOT_AN_ENTITY']);
-- An entity that is not a name is not shown (arguments swapped: the text as an entity).
SELECT * FROM comply.detect('ssn', 0.5, ARRAY['ssn 536-22-8714']);
-- Nor one that has the form of a name but holds personal data (an IBAN, an SSN).
SELECT * FROM comply.detect('x', 0.5, ARRAY['GB29NWBK60161331926819']);
SELECT * FROM comply.detect('x', 0.5, ARRAY['ssn:536-22-8714']);
SELECT * FROM comply.detect('x', 0.5, ARRAY['card_4111111111111111']);
SELECT comply._shown_name('ssn_536-22-8714') AS shown, comply._shown_name('HIPAA-164.312-a-1') AS control_id;

-- Inputs over comply.max_input_bytes are refused.
SET comply.max_input_bytes = '1kB';
SELECT count(*) FROM comply.detect(repeat('a', 1025));
SELECT count(*) FROM comply.detect(repeat('a', 1024));
RESET comply.max_input_bytes;

-- Long texts: findings on both sides of the internal 64 kB windows are all found once.
SELECT count(*), count(DISTINCT start_pos), min(start_pos), max(start_pos)
  FROM comply.detect(repeat('x', 65530) || ' 536-22-8714 ' || repeat('y ', 40000) || 'a@example.com');
SELECT count(*) FROM comply.detect(repeat('ssn 536-22-8714; ', 20000), 0.5, ARRAY['US_SSN']);

-- Works in parallel-safe and set-based use.
SELECT t.id, d.entity FROM (VALUES (1, 'mail a@example.com'), (2, 'none'), (3, 'ssn 536-22-8714')) t(id, body)
  CROSS JOIN LATERAL comply.detect(t.body) d ORDER BY t.id;
