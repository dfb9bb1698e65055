#!/usr/bin/env bash
# Makes openssl_vectors.tsv: values encrypted the way DHIS2 2.38-2.42 stores
# trackedentityattributevalue.encryptedvalue (dhis2-core HibernateEncryptionConfig's
# aes128StringEncryptor: Jasypt 1.9.3 PooledPBEStringEncryptor, PBEWITHSHA256AND128BITAES-CBC-BC,
# RandomSaltGenerator, 1000 key obtention iterations, base64 output), computed with the OpenSSL
# command line only (none of dhis2lake's code):
#   salt  = 16 random bytes (Jasypt sets the salt size to the cipher's block size)
#   pass  = the password as a PKCS#12 BMPString: UTF-16BE code units and two zero bytes
#   key   = PKCS12KDF(SHA-256, pass, salt, iter 1000, id 1), 16 bytes
#   iv    = PKCS12KDF(SHA-256, pass, salt, iter 1000, id 2), 16 bytes (BouncyCastle derives it;
#           Jasypt's NoIvGenerator adds none)
#   value = base64(salt || AES-128-CBC(key, iv, PKCS#7 padding, UTF-8 text))
# Columns: password, clear text, encrypted value (tab-separated; no field holds a tab).
# Run: bash make_vectors.sh > openssl_vectors.tsv   (OpenSSL 3.0 or later: `openssl kdf`)
set -euo pipefail

encrypt() {
  local password="$1" text="$2" salt pass key iv body
  salt=$(openssl rand -hex 16)
  pass=$( (printf '%s' "$password" | iconv -f UTF-8 -t UTF-16BE; printf '\0\0') | xxd -p -c 1000)
  kdf() {
    openssl kdf -keylen 16 -kdfopt digest:SHA256 -kdfopt "hexpass:$pass" -kdfopt "hexsalt:$salt" \
      -kdfopt iter:1000 -kdfopt "id:$1" PKCS12KDF | tr -d ':'
  }
  key=$(kdf 1)
  iv=$(kdf 2)
  body=$(printf '%s' "$text" | openssl enc -aes-128-cbc -K "$key" -iv "$iv" | xxd -p -c 1000)
  printf '%s\t%s\t%s\n' "$password" "$text" "$( (printf '%s%s' "$salt" "$body") | xxd -r -p | base64 -w 0)"
}

# DHIS2's built-in password (used when dhis.conf sets no encryption.password).
encrypt 'J7GhAs287hsSQlKd9g5' 'Jane Doe'
encrypt 'J7GhAs287hsSQlKd9g5' ''
encrypt 'J7GhAs287hsSQlKd9g5' '0123456789abcdef'
encrypt 'xq3-Lm9!vR7#tB2@wN5$kP8%zz' 'NIN-19870314-0042-7781-KAMPALA'
encrypt 'xq3-Lm9!vR7#tB2@wN5$kP8%zz' '1987-03-14'
encrypt 'xq3-Lm9!vR7#tB2@wN5$kP8%zz' 'Nakato Zoë Ḿ 名前 🙂'
encrypt 'Ünïcødé-Ωmega-päss-wörd-2024' '+256 772 123456'
encrypt 'Ünïcødé-Ωmega-päss-wörd-2024' 'Akello'
encrypt 'emoji-🔑-password-outside-the-BMP' 'Opio'
