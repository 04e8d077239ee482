#!/usr/bin/env bash
# Regenerates the ciphertext-detection fixtures in this directory (see README.md).
# Needs gpg (GnuPG 2.2), openssl (3.x), gzip, bzip2, xz, zstd, zip, lz4 and python3.
# Ciphertexts are random by nature, so a rerun gives different bytes with the same
# structure; the unit tests assert structure and verdicts only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg=(gpg --batch --yes --quiet --pinentry-mode loopback --passphrase x)
cd "$here"

# Plaintexts (fictional people).
printf 'Patient: Jane Doe, SSN 123-45-6789, diagnosis: seasonal allergies.\n' > "$work/msg.txt"
python3 - "$work/long.txt" <<'PY'
import random, sys
random.seed(7)
words = ("patient record visit claim amount approved denied review policy member "
         "address phone email account balance transfer invoice payment due date "
         "note follow-up prescription dosage clinic doctor nurse report").split()
lines = []
for i in range(250):
    n = random.randint(6, 14)
    lines.append("%05d %s %d.%02d" % (i, " ".join(random.choice(words) for _ in range(n)),
                                      random.randint(0, 9999), random.randint(0, 99)))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

# OpenPGP, password-based (pgp_sym_encrypt's shape: tag 3 then tag 18).
"${gpg[@]}" --symmetric --cipher-algo AES256 -o pgp_sym_aes256.gpg "$work/msg.txt"
"${gpg[@]}" --symmetric --cipher-algo AES256 --armor -o pgp_sym_aes256.asc "$work/msg.txt"
# pgcrypto's defaults: AES-128, iterated+salted S2K with SHA-1, no compression, and
# new-format packet headers; gpg writes tag 3 with an old-format header (0x8c), which is
# rewritten to pgcrypto's new-format 0xc3 with the same body (gpg still decrypts it).
"${gpg[@]}" --symmetric --cipher-algo AES128 --s2k-mode 3 --s2k-digest-algo SHA1 \
  --compress-algo none -o "$work/pgcrypto.gpg" "$work/msg.txt"
python3 - "$work/pgcrypto.gpg" pgp_sym_aes128_pgcrypto.gpg <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[0] == 0x8C and b[1] < 192, "expected an old-format tag 3 header with a 1-octet length"
b[0] = 0xC3
open(sys.argv[2], "wb").write(bytes(b))
PY
"${gpg[@]}" --decrypt pgp_sym_aes128_pgcrypto.gpg | cmp - "$work/msg.txt"
# disable-mdc=1 in pgcrypto: tag 9 (Symmetrically Encrypted Data without MDC).
"${gpg[@]}" --symmetric --rfc2440 --cipher-algo CAST5 -o pgp_sym_cast5_nomdc.gpg \
  "$work/msg.txt" 2>/dev/null
# A longer message from a pipe: gpg streams it with partial body lengths.
"${gpg[@]}" --symmetric --cipher-algo AES256 --compress-algo none -o pgp_sym_stream.gpg \
  < "$work/long.txt"

# OpenPGP, public-key (pgp_pub_encrypt's shape: tag 1 then tag 18).
# A primary key only certifies; the encryption keys are subkeys, as gpg makes them.
add_key() {  # uid primary-algo subkey-algo
  "${gpg[@]}" --quick-gen-key "$1" "$2" cert never
  local fpr
  fpr=$(gpg --batch --with-colons --list-keys "$1" | awk -F: '/^fpr:/ {print $10; exit}')
  "${gpg[@]}" --quick-add-key "$fpr" "$3" encr never
}
add_key 'Fixture RSA <rsa@example.invalid>' rsa2048 rsa2048
add_key 'Fixture ECC <ecc@example.invalid>' ed25519 cv25519
"${gpg[@]}" --trust-model always --encrypt -r rsa@example.invalid -o pgp_pub_rsa.gpg \
  "$work/msg.txt"
"${gpg[@]}" --trust-model always --encrypt -r ecc@example.invalid -o pgp_pub_ecdh.gpg \
  "$work/msg.txt"
# Two recipients and a password: two tag 1 packets, a tag 3 with an encrypted session key.
"${gpg[@]}" --trust-model always --encrypt --symmetric -r rsa@example.invalid \
  -r ecc@example.invalid -o pgp_pub_and_sym.gpg "$work/msg.txt"
# Not encrypted: a signed message (compressed packet) and a stored one (literal packet).
"${gpg[@]}" --quick-gen-key 'Fixture Sign <sign@example.invalid>' ed25519 sign never
"${gpg[@]}" --sign -u sign@example.invalid -o pgp_signed.gpg "$work/msg.txt"
"${gpg[@]}" --store -o pgp_stored.gpg "$work/msg.txt"

# pgcrypto encrypt(data, key, 'aes') is AES-CBC, PKCS#7 padding, zero IV, the key padded
# with zeros to 16/24/32 bytes; 'bf' is Blowfish-CBC likewise. openssl reproduces
# pgcrypto's own test vectors this way (see README.md).
zero_iv16=00000000000000000000000000000000
key16=$(printf 'secret-key' | xxd -p)000000000000
openssl enc -aes-128-cbc -K "$key16" -iv "$zero_iv16" -in "$work/msg.txt" -out aes128_cbc_short.bin
head -c 300 "$work/long.txt" | openssl enc -aes-128-cbc -K "$key16" -iv "$zero_iv16" -out aes128_cbc.bin
head -c 100 "$work/long.txt" | openssl enc -bf-cbc -provider legacy -provider default \
  -K "$key16" -iv 0000000000000000 -out bf_cbc.bin
# Text encodings of ciphertext as stored in text columns: encode(..., 'hex') and
# encode(..., 'base64') (PostgreSQL wraps base64 at 76 characters).
xxd -p -c 0 aes128_cbc.bin > aes128_cbc.hex.txt
base64 -w 76 aes128_cbc.bin > aes128_cbc.base64.txt
base64 -w 0 pgp_sym_aes128_pgcrypto.gpg > pgp_sym.base64.txt

# Plain documents.
cp "$work/long.txt" text_records.txt
printf 'Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve fa\xe7ade, \xa3 12.50 per person, pi\xf1ata.\n' > latin1.txt

# Compressed and archived copies of the same text.
gzip -9 -n -c "$work/long.txt" > text.gz
bzip2 -9 -c "$work/long.txt" > text.bz2
xz -9 -c "$work/long.txt" > text.xz
zstd -q -19 -c "$work/long.txt" > text.zst
lz4 -q -9 -c "$work/long.txt" > text.lz4
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1], "rb").read(), 9))' \
  "$work/long.txt" > text.zlib
(cd "$work" && cp long.txt records.txt && zip -q -9 -X records.zip records.txt)
cp "$work/records.zip" text.zip

# Images and a PDF, written by python3 (no imaging library needed).
python3 "$here/make_images.py" "$here"
