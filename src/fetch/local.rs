//! A client for the running daemon's local socket (see `daemon::local_api`), used by
//! `history`, `diff`, `checks`, `list`, `reextract` and `watch` while the daemon holds the
//! database.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Talks HTTP over a Unix socket to a running daemon.
pub struct LocalClient {
    client: reqwest::Client,
    socket: PathBuf,
}

impl LocalClient {
    /// A client for the daemon listening on `socket`.
    #[cfg(unix)]
    pub fn new(socket: &Path) -> Result<LocalClient> {
        let client = reqwest::Client::builder()
            .unix_socket(socket)
            .timeout(std::time::Duration::from_secs(30))
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

    /// GETs `path_and_query` and decodes the JSON answer; a 404 becomes `not_found`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
        not_found: impl FnOnce() -> Error,
    ) -> Result<T> {
        let resp = self.send(reqwest::Method::GET, path_and_query).await?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(not_found());
        }
        let body = self.success_body(resp).await?;
        serde_json::from_slice(&body).map_err(|e| self.failed(e.to_string()))
    }

    /// POSTs to `path_and_query` (an action, such as watching a URL) and decodes the JSON answer.
    pub async fn post<T: DeserializeOwned>(&self, path_and_query: &str) -> Result<T> {
        let resp = self.send(reqwest::Method::POST, path_and_query).await?;
        let body = self.success_body(resp).await?;
        serde_json::from_slice(&body).map_err(|e| self.failed(e.to_string()))
    }

    /// GETs `path_and_query` and returns the raw answer; `None` when the daemon answers 204
    /// (it has nothing under that name). Any other non-success, 404 included, is an error.
    pub async fn get_bytes(&self, path_and_query: &str) -> Result<Option<Vec<u8>>> {
        let resp = self.send(reqwest::Method::GET, path_and_query).await?;
        if resp.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        Ok(Some(self.success_body(resp).await?.to_vec()))
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
    ) -> Result<reqwest::Response> {
        let url = format!("http://daemon{path_and_query}");
        self.client
            .request(method, &url)
            .send()
            .await
            .map_err(|e| self.failed(e.to_string()))
    }

    async fn success_body(&self, resp: reqwest::Response) -> Result<bytes::Bytes> {
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(self.failed(format!("HTTP {status}: {body}")));
        }
        resp.bytes().await.map_err(|e| self.failed(e.to_string()))
    }

    fn failed(&self, message: String) -> Error {
        Error::Network {
            url: format!("{} (daemon socket)", self.socket.display()),
            message,
        }
    }
}
