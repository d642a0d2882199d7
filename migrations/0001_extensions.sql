-- Extensions shipped with the embedded build (no pgcrypto: it has no OpenSSL; gen_random_uuid() is core).
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
