//! Read access for `history`, `diff`, `checks`, `list` and `reextract`: the database itself, or,
//! while a daemon holds it, the daemon's local socket.

use crate::daemon::local_api;
use crate::error::Error;
use crate::fetch::local::LocalClient;
use crate::model::{ArticleRecord, Check, Version};
use crate::store::Store;

/// Page size when walking the article list.
const PAGE: usize = 1000;

/// Where reads go.
pub enum Reader {
    /// The database, opened by this process.
    Store(Store),
    /// A running daemon that holds the database.
    Daemon(LocalClient),
}

impl Reader {
    /// Opens the store at `path`, or connects to the daemon holding it.
    pub fn open(path: &std::path::Path) -> Result<Reader, Error> {
        match Store::open(path) {
            Ok(store) => Ok(Reader::Store(store)),
            Err(Error::StoreInUse { path }) => {
                let socket = local_api::socket_path(&path);
                if socket.exists() {
                    Ok(Reader::Daemon(LocalClient::new(&socket)?))
                } else {
                    Err(Error::StoreInUse { path })
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The canonical URL and all versions of a tracked article, or [`Error::NotTracked`].
    pub async fn versions(&self, url: &str) -> Result<(String, Vec<Version>), Error> {
        let not_tracked = || Error::NotTracked {
            url: url.to_owned(),
        };
        match self {
            Reader::Store(store) => {
                let key = store.resolve(url)?.ok_or_else(not_tracked)?;
                let versions = store.versions(&key)?;
                if versions.is_empty() {
                    return Err(not_tracked());
                }
                Ok((key, versions))
            }
            Reader::Daemon(client) => {
                let path = format!("/versions?url={}", encode(url));
                client.get(&path, not_tracked).await
            }
        }
    }

    /// The canonical URL and the last `limit` checks of a tracked article, newest first, or
    /// [`Error::NotTracked`].
    pub async fn checks(&self, url: &str, limit: usize) -> Result<(String, Vec<Check>), Error> {
        let not_tracked = || Error::NotTracked {
            url: url.to_owned(),
        };
        match self {
            Reader::Store(store) => {
                let key = store.resolve(url)?.ok_or_else(not_tracked)?;
                let checks = store.checks(&key, limit)?;
                Ok((key, checks))
            }
            Reader::Daemon(client) => {
                let path = format!("/checks?url={}&limit={limit}", encode(url));
                client.get(&path, not_tracked).await
            }
        }
    }

    /// The raw response body stored under blake3 hash `hash` (hex), if any.
    pub async fn raw_body(&self, hash: &str) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Reader::Store(store) => store.raw_body(hash),
            Reader::Daemon(client) => {
                let path = format!("/body?hash={}", encode(hash));
                client.get_bytes(&path).await
            }
        }
    }

    /// Every tracked article, by URL.
    pub async fn articles(&self) -> Result<Vec<ArticleRecord>, Error> {
        let mut all: Vec<ArticleRecord> = Vec::new();
        loop {
            let after = all.last().map(|a| a.url.clone());
            let page = match self {
                Reader::Store(store) => store.list(after.as_deref(), PAGE)?,
                Reader::Daemon(client) => {
                    let mut path = format!("/articles?limit={PAGE}");
                    if let Some(a) = &after {
                        path.push_str(&format!("&after={}", encode(a)));
                    }
                    client
                        .get(&path, || Error::NotTracked { url: String::new() })
                        .await?
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

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
