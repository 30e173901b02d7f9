//! A client for the running daemon's local socket (see `daemon::local_api`), used by
//! `history`, `diff` and `list` while the daemon holds the database.

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
        let url = format!("http://daemon{path_and_query}");
        let failed = |message: String| Error::Network {
            url: format!("{} (daemon socket)", self.socket.display()),
            message,
        };
        let resp = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(not_found());
        }
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(failed(format!("HTTP {status}: {body}")));
        }
        let body = resp.bytes().await.map_err(|e| failed(e.to_string()))?;
        serde_json::from_slice(&body).map_err(|e| failed(e.to_string()))
    }
}
