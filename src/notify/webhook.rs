//! Webhook targets: the body in the configured shape, sent through [`Poster`].

use url::Url;

use super::format;
use super::message::ChangeMessage;
use super::secret::resolve;
use crate::config::{Webhook, WebhookFormat};
use crate::error::{Error, Result};
use crate::fetch::{Outgoing, Poster};

/// Placeholder in a Matrix URL replaced by the change id (Matrix drops a repeated id).
const TXN_ID: &str = "{txn_id}";

/// Sends `m` to the webhook of target `name`.
pub async fn send(poster: &Poster, name: &str, w: &Webhook, m: &ChangeMessage) -> Result<()> {
    let raw_url = resolve(name, &w.url)?.replace("%7Btxn_id%7D", TXN_ID);
    let put = w.format == WebhookFormat::Matrix && raw_url.contains(TXN_ID);
    let bad_url = |e: url::ParseError| Error::Notify {
        target: name.to_owned(),
        message: format!("url: {e}"),
    };
    let mut url = Url::parse(&raw_url.replace(TXN_ID, &m.id)).map_err(bad_url)?;
    let (body, content_type) = match w.format {
        WebhookFormat::Json => (format::json_body(m)?, "application/json"),
        WebhookFormat::Slack => (
            format::slack(m).to_string().into_bytes(),
            "application/json",
        ),
        WebhookFormat::Discord => (
            format::discord(m).to_string().into_bytes(),
            "application/json",
        ),
        WebhookFormat::Matrix => (
            format::matrix(m).to_string().into_bytes(),
            "application/json",
        ),
        WebhookFormat::Ntfy => {
            // ntfy takes JSON at the server root with the topic inside.
            let topic = url.path().trim_matches('/').to_owned();
            url.set_path("/");
            (
                format::ntfy(m, &topic).to_string().into_bytes(),
                "application/json",
            )
        }
        WebhookFormat::Template => {
            let source = w.template.as_deref().unwrap_or_default();
            let body = format::template(m, source).map_err(|e| named(e, name))?;
            (body.into_bytes(), w.content_type.as_str())
        }
    };
    let headers = w
        .headers
        .iter()
        .map(|(k, v)| Ok((k.clone(), resolve(name, v)?)))
        .collect::<Result<Vec<_>>>()?;
    poster
        .send(Outgoing {
            put,
            url: &url,
            content_type,
            headers: &headers,
            body,
        })
        .await
}

/// Puts the target's name on an error raised before it was known.
pub(super) fn named(e: Error, name: &str) -> Error {
    match e {
        Error::Notify { message, .. } => Error::Notify {
            target: name.to_owned(),
            message,
        },
        other => other,
    }
}
