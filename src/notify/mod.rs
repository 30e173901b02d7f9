//! Change notifications: which targets a change goes to, the message in emend's schema and
//! in chat shapes, the webhook, email and command senders, and the delivery loop that drains
//! the store's durable outbox (at least once, in order per target, retried with back-off).

mod command;
mod email;
mod excerpt;
mod filter;
mod format;
mod message;
mod secret;
mod sender;
mod webhook;

pub use excerpt::Excerpt;
pub use filter::{Candidate, accepts, changed_fields, matching};
pub use format::{discord, html, matrix, ntfy, plain_text, slack, summary};
pub use message::{ChangeMessage, FieldChange, Links, SCHEMA, VersionRef};
pub use sender::{Sender, backoff};

use crate::config::{Notify, NotifyKind};
use crate::error::Result;
use crate::fetch::Poster;

/// Sends `m` to `target` once, whatever its kind.
pub async fn send(poster: &Poster, target: &Notify, m: &ChangeMessage) -> Result<()> {
    match &target.kind {
        NotifyKind::Webhook(w) => webhook::send(poster, &target.name, w, m).await,
        NotifyKind::Email(e) => email::send(&target.name, e, m).await,
        NotifyKind::Command(c) => command::send(&target.name, c, m).await,
    }
}

/// The email target's message as it would be sent (for tests and previews).
pub fn email_message(target: &Notify, m: &ChangeMessage) -> Option<Result<Vec<u8>>> {
    match &target.kind {
        NotifyKind::Email(e) => Some(email::build(&target.name, e, m).map(|msg| msg.formatted())),
        _ => None,
    }
}
