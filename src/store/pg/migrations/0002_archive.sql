-- The archive: articles, their versions and raw bodies, the check log and aliases, as the
-- sled engine keeps them. Columns hold what queries select and order by; `doc` holds the
-- whole record as emend's own JSON, so both engines answer with the same JSON.

CREATE TABLE articles (
    url          TEXT PRIMARY KEY,
    site         TEXT,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_checked TIMESTAMPTZ,
    last_changed TIMESTAMPTZ,
    -- The latest version's number: a commit locks this row, checks it against the version
    -- its change was computed from and bumps it, so no two commits take one number.
    versions     INTEGER NOT NULL DEFAULT 0 CHECK (versions >= 0),
    etag          TEXT,
    last_modified TEXT,
    title         TEXT
);
CREATE INDEX articles_site ON articles (site, url) WHERE site IS NOT NULL;

CREATE TABLE aliases (
    alias TEXT PRIMARY KEY,
    url   TEXT NOT NULL REFERENCES articles (url) ON DELETE CASCADE,
    CHECK (alias <> url)
);

-- Raw response bodies, content-addressed: blake3 of the raw bytes (hex), zstd frame.
CREATE TABLE bodies (
    hash TEXT PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    size BIGINT NOT NULL CHECK (size >= 0),
    zstd BYTEA NOT NULL
);
-- Already compressed: stored out of line as it is, not compressed again by TOAST.
ALTER TABLE bodies ALTER COLUMN zstd SET STORAGE EXTERNAL;

CREATE TABLE versions (
    url        TEXT NOT NULL REFERENCES articles (url) ON DELETE CASCADE,
    number     INTEGER NOT NULL CHECK (number >= 1),
    fetched_at TIMESTAMPTZ NOT NULL,
    change     TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    body_hash  TEXT REFERENCES bodies (hash),
    doc        JSONB NOT NULL,
    -- The HTTP exchange that fetched it (NULL for versions stored before emend kept them).
    capture    JSONB,
    PRIMARY KEY (url, number)
);
CREATE INDEX versions_fetched ON versions (fetched_at);

-- Every check, whatever came of it. `id` orders an article's checks as they were logged.
CREATE TABLE checks (
    id      BIGSERIAL PRIMARY KEY,
    url     TEXT NOT NULL REFERENCES articles (url) ON DELETE CASCADE,
    at      TIMESTAMPTZ NOT NULL,
    doc     JSONB NOT NULL,
    -- The exchange of a check answered 304 (the WARC export's revisit records).
    capture JSONB
);
CREATE INDEX checks_url ON checks (url, id);

-- The whole re-check state of a URL (interval, unchanged streak, failures, end of
-- tracking), beside the due time the frontier orders by.
ALTER TABLE frontier ADD COLUMN state JSONB;

-- Notifications: one row per (change, target), queued with the version, deleted once
-- delivered, marked failed when given up. seq orders a target's entries as committed.
CREATE SEQUENCE outbox_seq;
CREATE TABLE outbox (
    target       TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    failed       BOOLEAN NOT NULL DEFAULT false,
    next_attempt TIMESTAMPTZ NOT NULL,
    doc          JSONB NOT NULL,
    PRIMARY KEY (target, seq)
);
CREATE INDEX outbox_due ON outbox (target, next_attempt) WHERE NOT failed;
