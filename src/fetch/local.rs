//! The client side of the database owner's socket (see [`crate::owner`]): how `history`,
//! `diff`, `checks`, `list`, `reextract`, `watch`, `snapshot` and `serve` reach the emend
//! process that holds the database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// How long a read may take before the owner is given up on.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an action (a check of a slow page behind a polite rate limit) may take.
const ACTION_TIMEOUT: Duration = Duration::from_secs(300);
/// A live owner accepts at once; a socket left by a killed one refuses at once. This bounds
/// the odd case between (a full backlog).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Talks HTTP over the Unix socket of the process holding a database.
pub struct LocalClient {
    client: reqwest::Client,
    socket: PathBuf,
}

impl LocalClient {
    /// A client for the owner listening on `socket`.
    #[cfg(unix)]
    pub fn new(socket: &Path) -> Result<LocalClient> {
        let client = reqwest::Client::builder()
            .unix_socket(socket)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| Error::Network {
                url: socket.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(LocalClient {
            client,
            socket: socket.to_owned(),
        })
    }

    /// Without Unix sockets there is no owner to reach.
    #[cfg(not(unix))]
    pub fn new(socket: &Path) -> Result<LocalClient> {
        Err(Error::OwnerUnreachable {
            socket: socket.to_owned(),
            message: "this platform has no Unix sockets".into(),
        })
    }

    /// GETs `path_and_query` and decodes the JSON answer; a 404 becomes `not_found`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
        not_found: impl FnOnce() -> Error,
    ) -> Result<T> {
        let resp = self
            .send(reqwest::Method::GET, path_and_query, READ_TIMEOUT)
            .await?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(not_found());
        }
        self.json(resp).await
    }

    /// POSTs to `path_and_query` (an action: check or watch a URL, start a web UI) and
    /// decodes the JSON answer. An action the owner ran and that failed (422) is
    /// [`Error::OwnerFailed`] with its message, naming `holder`.
    pub async fn post<T: DeserializeOwned>(&self, path_and_query: &str, holder: &str) -> Result<T> {
        let resp = self
            .send(reqwest::Method::POST, path_and_query, ACTION_TIMEOUT)
            .await?;
        if resp.status() == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
            let message = resp.text().await.unwrap_or_default();
            return Err(Error::OwnerFailed {
                holder: holder.to_owned(),
                message,
            });
        }
        self.json(resp).await
    }

    /// GETs `path_and_query` and returns the raw answer; `None` when the owner answers 204
    /// (it has nothing under that name). Any other non-success, 404 included, is an error.
    pub async fn get_bytes(&self, path_and_query: &str) -> Result<Option<Vec<u8>>> {
        let resp = self
            .send(reqwest::Method::GET, path_and_query, READ_TIMEOUT)
            .await?;
        if resp.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        Ok(Some(self.success_body(resp).await?.to_vec()))
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        timeout: Duration,
    ) -> Result<reqwest::Response> {
        let url = format!("http://emend{path_and_query}");
        self.client
            .request(method, &url)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| Error::OwnerUnreachable {
                socket: self.socket.clone(),
                message: cause_chain(&e),
            })
    }

    async fn json<T: DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T> {
        let body = self.success_body(resp).await?;
        serde_json::from_slice(&body).map_err(|e| self.failed(e.to_string()))
    }

    async fn success_body(&self, resp: reqwest::Response) -> Result<bytes::Bytes> {
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(self.failed(format!("HTTP {status}: {body}")));
        }
        resp.bytes().await.map_err(|e| Error::OwnerUnreachable {
            socket: self.socket.clone(),
            message: e.to_string(),
        })
    }

    fn failed(&self, message: String) -> Error {
        Error::Network {
            url: format!("{} (emend socket)", self.socket.display()),
            message,
        }
    }
}

/// The error and its causes on one line: reqwest's own message alone ("error sending
/// request") hides the "connection refused" that says a socket is stale.
fn cause_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
