//! Email targets through lettre: one message per change, multipart plain text + HTML, with a
//! Message-ID stable per change and target so a resent copy threads as the same message.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::format;
use super::message::ChangeMessage;
use super::webhook::named;
use crate::config::{Email, Value};
use crate::error::{Error, Result};

/// SMTP conversation timeout.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the message for target `name`.
pub fn build(name: &str, e: &Email, m: &ChangeMessage) -> Result<Message> {
    let fail = |message: String| Error::Notify {
        target: name.to_owned(),
        message,
    };
    let mailbox = |s: &str| {
        s.parse::<Mailbox>()
            .map_err(|err| fail(format!("{s:?}: {err}")))
    };
    let subject = format::template(m, &e.subject).map_err(|err| named(err, name))?;
    let subject: String = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut builder = Message::builder()
        .from(mailbox(&e.from)?)
        .subject(subject)
        .message_id(Some(format!("<{}.{}@emend>", m.id, safe(name))));
    for to in &e.to {
        builder = builder.to(mailbox(to)?);
    }
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n{}</body></html>\n",
        format::html(m)
    );
    builder
        .multipart(MultiPart::alternative_plain_html(
            format::plain_text(m),
            html,
        ))
        .map_err(|err| fail(format!("cannot build the message: {err}")))
}

/// Sends `m` to the recipients of target `name`.
pub async fn send(name: &str, e: &Email, m: &ChangeMessage) -> Result<()> {
    let fail = |message: String| Error::Notify {
        target: name.to_owned(),
        message,
    };
    let message = build(name, e, m)?;
    let tls = if e.implicit_tls || e.starttls {
        let params =
            TlsParameters::new(e.host.clone()).map_err(|err| fail(format!("TLS: {err}")))?;
        if e.implicit_tls {
            Tls::Wrapper(params)
        } else {
            Tls::Required(params)
        }
    } else {
        Tls::None
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&e.host)
        .port(e.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &e.username {
        let password = match &e.password_env {
            Some(var) => super::secret::resolve(name, &Value::Env(var.clone()))?,
            None => String::new(),
        };
        transport = transport.credentials(Credentials::new(user.clone(), password));
    }
    transport
        .build()
        .send(message)
        .await
        .map(drop)
        .map_err(|err| fail(format!("SMTP {}:{}: {err}", e.host, e.port)))
}

/// The target name reduced to characters a Message-ID may hold.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
