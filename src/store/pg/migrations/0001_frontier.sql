-- The shared frontier: what every daemon of a cluster needs to agree on before it fetches.
-- Times are the server's (now()), never a daemon's clock, so skew between machines cannot
-- let two daemons believe they both hold a lease.

-- A daemon's heartbeat: the live daemons divide the hosts between them.
CREATE TABLE workers (
    id        TEXT PRIMARY KEY,
    heartbeat TIMESTAMPTZ NOT NULL
);

-- A lease on a host (scope 'host') or on a site's discovery (scope 'site'). owner is NULL
-- when free; a lease whose expires has passed is free too (its holder died).
-- not_before carries politeness across holders: the earliest next request to the host
-- (rate, Crawl-delay, Retry-After), so a daemon that takes a host over keeps its pace.
CREATE TABLE leases (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    owner      TEXT,
    expires    TIMESTAMPTZ,
    not_before TIMESTAMPTZ,
    PRIMARY KEY (scope, key)
);
CREATE INDEX leases_owner ON leases (owner) WHERE owner IS NOT NULL;

-- Every tracked URL, its host and when it is next due. A claim marks a URL being checked;
-- it expires with the claimer's lease, so a dead daemon's URLs come back.
CREATE TABLE frontier (
    url           TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    claimed_by    TEXT,
    claim_expires TIMESTAMPTZ
);
CREATE INDEX frontier_host_due ON frontier (host, due_at);
