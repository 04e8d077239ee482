-- The intake schema of the SQL benchmarks (bench/validate_bench.sql,
-- bench/protect/setup.sql), registered as 'intake'. Included with \ir.
SELECT comply.register_schema('intake', $schema$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "intake",
  "type": "object",
  "required": ["user_id", "email", "consent"],
  "properties": {
    "user_id": {"type": "integer", "minimum": 1},
    "email": {"type": "string", "maxLength": 254,
              "pattern": "^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$"},
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "dob": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "tags": {"type": "array", "maxItems": 10, "items": {"type": "string"}},
    "address": {
      "type": "object",
      "required": ["street", "city", "zip"],
      "properties": {
        "street": {"type": "string", "maxLength": 200},
        "city": {"type": "string", "maxLength": 100},
        "zip": {"type": "string", "pattern": "^[0-9]{5}$"}
      },
      "additionalProperties": false
    },
    "consent": {"type": "boolean"},
    "source": {"enum": ["web", "mobile", "store", "partner"]}
  },
  "additionalProperties": false
}
$schema$::jsonb) AS registered \gset
