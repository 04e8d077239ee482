-- The plain-SQL redaction of the SQL benchmarks (bench/redact_bench.sql,
-- bench/protect/setup.sql): bench_redact(body), a chain of nested regexp_replace calls.
-- A one-expression IMMUTABLE SQL function, so the planner inlines it. Included with \ir.
-- What a user writes without pg_comply: the same entities and labels as comply.redact, no
-- checksums, names only after a title or a word like "Patient". Order matters (e-mails and
-- IBANs before the digit patterns that would eat parts of them), as it would in real life.
-- Dates take three calls: PostgreSQL's regex engine is several times slower on one
-- pattern that alternates over month names than on the three pieces.
CREATE FUNCTION bench_redact(body text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $chain$
SELECT
regexp_replace(
 regexp_replace(
  regexp_replace(
   regexp_replace(
    regexp_replace(
     regexp_replace(
      regexp_replace(
       regexp_replace(
        regexp_replace(
         regexp_replace(body,
          '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}',
          '[EMAIL_ADDRESS]', 'g'),
         '\m[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\M',
         '[IBAN_CODE]', 'g'),
        '\m(?:[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,4}|3[47][0-9]{2}[ -]?[0-9]{6}[ -]?[0-9]{5})\M',
        '[CREDIT_CARD]', 'g'),
       '\m[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}\M',
       '[US_SSN]', 'g'),
      '\m(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\M',
      '[IP_ADDRESS]', 'g'),
     '(?:\+1[ .-]?)?(?:\([0-9]{3}\) ?|\m[0-9]{3}[ .-]?)[0-9]{3}[ .-]?[0-9]{4}\M',
     '[PHONE_NUMBER]', 'g'),
    '\m(?:[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})\M',
    '[DATE_TIME]', 'g'),
   '\m[0-9]{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4}\M',
   '[DATE_TIME]', 'g'),
  '\m(?:January|February|March|April|May|June|July|August|September|October|November|December) [0-9]{1,2}, [0-9]{4}\M',
  '[DATE_TIME]', 'g'),
 '((?:Patient|customer|cardholder|contact) (?:(?:Mrs?|Ms|Dr)\. )?|(?:Mrs?|Ms|Dr)\. )[A-Z][a-z]+(?: [A-Z][A-Za-z''-]+)?',
 '\1[PERSON]', 'g')
$chain$;
