//! Read access for `history`, `diff`, `checks`, `list`, `reextract` and `notify status`: the
//! sled database itself, or, while another emend process holds it, that process's socket; or
//! a PostgreSQL database (`--db postgres://…`), which any number of readers share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::fetch::local::LocalClient;
use crate::model::{ArticleRecord, Check, Version};
use crate::owner::{self, Access, AccessOptions, Held, Needs};
use crate::store::Delivery;
use crate::store::pg::{self, Postgres};

/// Page size when walking the article list.
const PAGE: usize = 1000;

/// Where reads go.
pub struct Reader {
    db: PathBuf,
    opts: AccessOptions,
    source: Source,
    /// Whether the owner already vanished once; a second time is an error.
    reopened: bool,
}

enum Source {
    /// The database, held by this process.
    Store(Held),
    /// The emend process holding the database.
    Owner(LocalClient),
    /// A PostgreSQL database: no owner, every reader connects itself.
    Postgres(Postgres),
}

impl Reader {
    /// Opens the existing database at `db` for `command`, or reaches the process holding
    /// it, waiting up to `wait` for one that answers nothing. Never creates a database.
    pub async fn open(db: &Path, wait: Duration, command: &'static str) -> Result<Reader, Error> {
        let postgres = match pg::conninfo(db) {
            Some(conninfo) => Some(Postgres::connect_existing(conninfo).await?),
            None => None,
        };
        let opts = AccessOptions {
            create: false,
            wait,
            command,
            long_running: false,
            needs: Needs::Reads,
        };
        let source = match postgres {
            Some(pg) => Source::Postgres(pg),
            None => connect(db, &opts).await?,
        };
        Ok(Reader {
            db: db.to_owned(),
            opts,
            source,
            reopened: false,
        })
    }

    /// The owner stopped between our connecting and asking (it was a one-shot command, or
    /// was killed): take the database or find its next owner, once.
    async fn reconnect(&mut self, failure: Error) -> Result<(), Error> {
        if self.reopened || !matches!(failure, Error::OwnerUnreachable { .. }) {
            return Err(failure);
        }
        self.reopened = true;
        self.source = connect(&self.db, &self.opts).await?;
        Ok(())
    }

    /// The canonical URL and all versions of a tracked article, or [`Error::NotTracked`].
    pub async fn versions(&mut self, url: &str) -> Result<(String, Vec<Version>), Error> {
        let not_tracked = || Error::NotTracked {
            url: url.to_owned(),
        };
        loop {
            let result = match &self.source {
                Source::Store(held) => {
                    let store = &held.store;
                    let key = store.resolve(url)?.ok_or_else(not_tracked)?;
                    let versions = store.versions(&key)?;
                    if versions.is_empty() {
                        return Err(not_tracked());
                    }
                    return Ok((key, versions));
                }
                Source::Postgres(pg) => {
                    let key = pg.resolve(url).await?.ok_or_else(not_tracked)?;
                    let versions = pg.versions(&key).await?;
                    if versions.is_empty() {
                        return Err(not_tracked());
                    }
                    return Ok((key, versions));
                }
                Source::Owner(client) => {
                    let path = format!("/versions?url={}", encode(url));
                    client.get(&path, not_tracked).await
                }
            };
            match result {
                Err(e) => self.reconnect(e).await?,
                ok => return ok,
            }
        }
    }

    /// The canonical URL and the last `limit` checks of a tracked article, newest first, or
    /// [`Error::NotTracked`].
    pub async fn checks(&mut self, url: &str, limit: usize) -> Result<(String, Vec<Check>), Error> {
        let not_tracked = || Error::NotTracked {
            url: url.to_owned(),
        };
        loop {
            let result = match &self.source {
                Source::Store(held) => {
                    let store = &held.store;
                    let key = store.resolve(url)?.ok_or_else(not_tracked)?;
                    let checks = store.checks(&key, limit)?;
                    return Ok((key, checks));
                }
                Source::Postgres(pg) => {
                    let key = pg.resolve(url).await?.ok_or_else(not_tracked)?;
                    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                    return Ok((key.clone(), pg.checks(&key, limit).await?));
                }
                Source::Owner(client) => {
                    let path = format!("/checks?url={}&limit={limit}", encode(url));
                    client.get(&path, not_tracked).await
                }
            };
            match result {
                Err(e) => self.reconnect(e).await?,
                ok => return ok,
            }
        }
    }

    /// The raw response body stored under blake3 hash `hash` (hex), if any.
    pub async fn raw_body(&mut self, hash: &str) -> Result<Option<Vec<u8>>, Error> {
        loop {
            let result = match &self.source {
                Source::Store(held) => return held.store.raw_body(hash),
                Source::Postgres(pg) => return pg.raw_body(hash).await,
                Source::Owner(client) => {
                    let path = format!("/body?hash={}", encode(hash));
                    client.get_bytes(&path).await
                }
            };
            match result {
                Err(e) => self.reconnect(e).await?,
                ok => return ok,
            }
        }
    }

    /// The notification outbox: deliveries still pending, or (`failed`) those given up.
    pub async fn deliveries(&mut self, failed: bool) -> Result<Vec<Delivery>, Error> {
        loop {
            let result = match &self.source {
                Source::Store(held) => return held.store.deliveries(failed),
                Source::Postgres(pg) => return pg.deliveries(failed).await,
                Source::Owner(client) => {
                    // Only an owner older than this route answers 404.
                    let old_owner = || Error::OwnerFailed {
                        holder: "the emend process holding the database".into(),
                        message: "it does not list notifications; restart it with this emend"
                            .into(),
                    };
                    client
                        .get(&format!("/deliveries?failed={failed}"), old_owner)
                        .await
                }
            };
            match result {
                Err(e) => self.reconnect(e).await?,
                ok => return ok,
            }
        }
    }

    /// Every tracked article, by URL.
    pub async fn articles(&mut self) -> Result<Vec<ArticleRecord>, Error> {
        let mut all: Vec<ArticleRecord> = Vec::new();
        loop {
            let after = all.last().map(|a| a.url.clone());
            let page = match &self.source {
                Source::Store(held) => held.store.list(after.as_deref(), PAGE)?,
                Source::Postgres(pg) => pg.list(after.as_deref(), PAGE as i64).await?,
                Source::Owner(client) => {
                    let mut path = format!("/articles?limit={PAGE}");
                    if let Some(a) = &after {
                        path.push_str(&format!("&after={}", encode(a)));
                    }
                    let got = client
                        .get(&path, || Error::NotTracked { url: String::new() })
                        .await;
                    match got {
                        Ok(page) => page,
                        Err(e) => {
                            // A new owner may list differently far along: start over.
                            self.reconnect(e).await?;
                            all.clear();
                            continue;
                        }
                    }
                }
            };
            let done = page.len() < PAGE;
            all.extend(page);
            if done {
                return Ok(all);
            }
        }
    }
}

async fn connect(db: &Path, opts: &AccessOptions) -> Result<Source, Error> {
    Ok(match owner::acquire(db, opts).await? {
        Access::Held(held) => Source::Store(held),
        Access::Remote(remote) => Source::Owner(remote.client),
    })
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
