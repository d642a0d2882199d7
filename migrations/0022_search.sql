-- Site search (core/search.py): one row per public object per language it has a text in, written in the same
-- transaction as the change (each domain's in-transaction outbox handler), with a tsvector built by the text
-- search configuration of that language. Only what the public may read is here: an NRI that was recognised, every
-- track, a published track output, a Message once opened for public comment.

-- Chinese has no spaces between words and PostgreSQL has no Chinese parser: each run of Han characters is cut
-- into overlapping bigrams (数字合作 -> 数字 字合 合作), plus the run's last character alone in a document, so
-- a query's bigrams in a row (a phrase) find any substring of two characters or more, and one character finds
-- the bigrams it starts (a prefix). Measured against pg_trgm in bench/search.py (see bench/README.md).
CREATE FUNCTION search_zh_segments(input text, for_query boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    part text[];
    n integer;
    pieces text[] := '{}';
BEGIN
    FOR part IN SELECT regexp_matches(input, '([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)', 'g') LOOP
        IF part[1] IS NULL THEN
            pieces := pieces || part[2];
        ELSE
            n := char_length(part[1]);
            IF n = 1 THEN
                pieces := pieces || part[1];
            ELSE
                pieces := pieces || ARRAY(SELECT substr(part[1], i, 2) FROM generate_series(1, n - 1) AS i);
                IF NOT for_query THEN
                    pieces := pieces || substr(part[1], n, 1);
                END IF;
            END IF;
        END IF;
    END LOOP;
    RETURN array_to_string(pieces, ' ');
END $$;

-- The text search configuration of each UN language; Chinese goes through the bigrams above with 'simple'.
CREATE FUNCTION search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE language
    WHEN 'ar' THEN 'pg_catalog.arabic'::regconfig
    WHEN 'en' THEN 'pg_catalog.english'::regconfig
    WHEN 'es' THEN 'pg_catalog.spanish'::regconfig
    WHEN 'fr' THEN 'pg_catalog.french'::regconfig
    WHEN 'ru' THEN 'pg_catalog.russian'::regconfig
    ELSE 'pg_catalog.simple'::regconfig
END;

-- A document: its title weighs more than its body (ts_rank's A and B).
CREATE FUNCTION search_document(language text, title text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN language = 'zh'
    THEN setweight(to_tsvector('pg_catalog.simple', search_zh_segments(title)), 'A')
         || setweight(to_tsvector('pg_catalog.simple', search_zh_segments(body)), 'B')
    ELSE setweight(to_tsvector(search_config(language), title), 'A')
         || setweight(to_tsvector(search_config(language), body), 'B')
END;

-- What a reader typed, as a query on the documents of one language: web search syntax ("a phrase", or, -word)
-- with the language's stemming; in Chinese, each space-separated word as a phrase of its bigrams (one Han
-- character alone: a prefix), all of them required.
CREATE FUNCTION search_query(language text, q text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    word text;
    part tsquery;
    result tsquery := ''::tsquery;
BEGIN
    IF language <> 'zh' THEN
        RETURN websearch_to_tsquery(search_config(language), q);
    END IF;
    FOREACH word IN ARRAY regexp_split_to_array(btrim(q), '\s+') LOOP
        CONTINUE WHEN word = '';
        IF word ~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$' THEN
            part := to_tsquery('pg_catalog.simple', word || ':*');
        ELSE
            part := phraseto_tsquery('pg_catalog.simple', search_zh_segments(word, true));
        END IF;
        result := CASE WHEN numnode(result) = 0 THEN part WHEN numnode(part) = 0 THEN result
                       ELSE result && part END;
    END LOOP;
    RETURN result;
END $$;

CREATE TABLE search_documents (
    kind text NOT NULL CHECK (kind IN ('nri', 'track', 'track_output', 'message')),
    object_id uuid NOT NULL,
    language text NOT NULL CHECK (language IN ('ar', 'en', 'es', 'fr', 'ru', 'zh')),
    title text NOT NULL,
    body text NOT NULL,
    path text NOT NULL CHECK (path LIKE '/%'),   -- the public page, without a language prefix
    document tsvector GENERATED ALWAYS AS (search_document(language, title, body)) STORED,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, object_id, language)
);
CREATE INDEX search_documents_document_idx ON search_documents USING gin (document);

-- The backfill: what the domains' search documents (nri/, tracks/ and messages/ search_index.py) say for what
-- already exists. tests/core/test_search.py checks that it writes what the live path writes.
-- backfill:begin
INSERT INTO search_documents (kind, object_id, language, title, body, path, updated_at)
SELECT 'nri', n.id, l.language, n.name, concat_ws(E'\n', n.acronym, n.scope_note, n.description),
       '/nris/' || n.id, now()
FROM nris n
CROSS JOIN LATERAL (
    SELECT DISTINCT split_part(t, '-', 1) AS language FROM unnest(n.languages) t
    WHERE split_part(t, '-', 1) IN ('ar', 'en', 'es', 'fr', 'ru', 'zh')
    UNION
    SELECT 'en' WHERE NOT EXISTS (SELECT 1 FROM unnest(n.languages) t
                                  WHERE split_part(t, '-', 1) IN ('ar', 'en', 'es', 'fr', 'ru', 'zh'))
) l
WHERE n.recognised_at IS NOT NULL;

INSERT INTO search_documents (kind, object_id, language, title, body, path, updated_at)
SELECT 'track', t.id, 'en', t.name, concat_ws(E'\n', t.acronym, t.description), '/tracks/' || t.slug, now()
FROM tracks t;

INSERT INTO search_documents (kind, object_id, language, title, body, path, updated_at)
SELECT 'track_output', o.id, l.language, o.title, concat_ws(E'\n', o.citable_id, o.text),
       '/tracks/' || t.slug || '#outputs', now()
FROM track_outputs o
JOIN tracks t ON t.id = o.track_id
CROSS JOIN LATERAL (
    SELECT DISTINCT split_part(x, '-', 1) AS language FROM unnest(o.languages) x
    WHERE split_part(x, '-', 1) IN ('ar', 'en', 'es', 'fr', 'ru', 'zh')
    UNION
    SELECT 'en' WHERE NOT EXISTS (SELECT 1 FROM unnest(o.languages) x
                                  WHERE split_part(x, '-', 1) IN ('ar', 'en', 'es', 'fr', 'ru', 'zh'))
) l
WHERE o.status = 'published';

INSERT INTO search_documents (kind, object_id, language, title, body, path, updated_at)
SELECT 'message', m.id, v.language, v.title, concat_ws(E'\n', m.theme, m.sub_theme, v.body),
       '/messages/' || m.id || '?text=' || v.language, now()
FROM messages m
JOIN LATERAL (
    SELECT DISTINCT ON (x.language) x.language, x.title, x.body FROM message_versions x
    WHERE x.message_id = m.id
      AND (x.number = m.current_version_number
           OR (x.language <> m.source_language AND x.translation_of = m.current_version_number))
    ORDER BY x.language, x.number DESC
) v ON v.language IN ('ar', 'en', 'es', 'fr', 'ru', 'zh')
WHERE m.public_since IS NOT NULL;
-- backfill:end
