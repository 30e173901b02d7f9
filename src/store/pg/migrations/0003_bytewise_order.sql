-- URLs, site names and target names sort byte by byte, as sled's keys do, whatever the
-- database's locale: `emend list`, `search`, `sites` and `notify status` print the same
-- order on both engines, and keyset pages (`url > $1`) stay index scans.
ALTER TABLE articles
    ALTER COLUMN url TYPE TEXT COLLATE "C",
    ALTER COLUMN site TYPE TEXT COLLATE "C";
ALTER TABLE aliases
    ALTER COLUMN alias TYPE TEXT COLLATE "C",
    ALTER COLUMN url TYPE TEXT COLLATE "C";
ALTER TABLE versions ALTER COLUMN url TYPE TEXT COLLATE "C";
ALTER TABLE checks ALTER COLUMN url TYPE TEXT COLLATE "C";
ALTER TABLE outbox ALTER COLUMN target TYPE TEXT COLLATE "C";
ALTER TABLE frontier
    ALTER COLUMN url TYPE TEXT COLLATE "C",
    ALTER COLUMN host TYPE TEXT COLLATE "C";
ALTER TABLE leases ALTER COLUMN key TYPE TEXT COLLATE "C";
