//! `[[notify]]` tables: where change notifications go, which changes each target wants, and
//! their validation. Secrets are named by environment variable and read only when sending.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::validate::Validator;
use crate::model::ChangeKind;

/// How long a target's deliveries are retried when it sets no `give_up_after`.
pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Change kinds a target receives when it sets no `changes`: every edit, not first sightings.
pub const DEFAULT_CHANGES: [ChangeKind; 3] = [
    ChangeKind::DeclaredUpdate,
    ChangeKind::SilentEdit,
    ChangeKind::StampOnly,
];

/// One `[[notify]]` target.
#[derive(Debug, Clone)]
pub struct Notify {
    /// Unique name, used by `emend notify test NAME`, in the outbox and in logs.
    pub name: String,
    /// Which changes reach this target.
    pub filter: NotifyFilter,
    /// Where and how they are sent.
    pub kind: NotifyKind,
    /// How long a failing delivery is retried before it is marked failed.
    pub give_up_after: Duration,
    /// Public base URL of the web UI; messages link to its diff page when set.
    pub base_url: Option<Url>,
}

/// Which changes a target wants; a change must pass every filter set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyFilter {
    /// Site names (empty: every site, and articles outside any site).
    pub sites: Vec<String>,
    /// Change kinds.
    pub changes: Vec<ChangeKind>,
    /// Least words added plus removed.
    pub min_words: u32,
    /// At least one of these fields changed (empty: any).
    pub fields: Vec<ArticleField>,
}

/// A field of an article a filter or a message names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleField {
    /// Headline.
    Title,
    /// Authors.
    Byline,
    /// Publication time.
    Published,
    /// The article's own "last update" stamp.
    LastUpdate,
    /// Main text.
    Text,
}

impl ArticleField {
    /// Every field, in the order messages list them.
    pub const ALL: [ArticleField; 5] = [
        ArticleField::Title,
        ArticleField::Byline,
        ArticleField::Published,
        ArticleField::LastUpdate,
        ArticleField::Text,
    ];

    /// The name used in the config and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleField::Title => "title",
            ArticleField::Byline => "byline",
            ArticleField::Published => "published",
            ArticleField::LastUpdate => "last_update",
            ArticleField::Text => "text",
        }
    }
}

/// A target's kind and its settings.
#[derive(Debug, Clone)]
pub enum NotifyKind {
    /// An HTTP POST (PUT for Matrix) per change.
    Webhook(Webhook),
    /// One email per change.
    Email(Email),
    /// A program run per change, the change as JSON on stdin.
    Command(Command),
}

impl NotifyKind {
    /// `webhook`, `email` or `command`.
    pub fn as_str(&self) -> &'static str {
        match self {
            NotifyKind::Webhook(_) => "webhook",
            NotifyKind::Email(_) => "email",
            NotifyKind::Command(_) => "command",
        }
    }
}

/// Where a secret-capable value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Written in the config.
    Literal(String),
    /// Read from this environment variable when sending; never printed.
    Env(String),
}

/// `kind = "webhook"`.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The endpoint: `url`, or `url_env` naming a variable holding it.
    pub url: Value,
    /// Body shape.
    pub format: WebhookFormat,
    /// minijinja template of the body, with `format = "template"`.
    pub template: Option<String>,
    /// Content-Type of a templated body.
    pub content_type: String,
    /// Extra headers (`headers` literal, `headers_env` from variables).
    pub headers: Vec<(String, Value)>,
}

/// The body shape of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// emend's own versioned JSON schema.
    Json,
    /// Slack incoming webhook (`text` + `blocks`).
    Slack,
    /// Discord webhook (`content` + `embeds`).
    Discord,
    /// Matrix `m.room.message` content, PUT to the client-server send endpoint.
    Matrix,
    /// ntfy JSON publish (`topic`, `title`, `message`, `click`, `tags`).
    Ntfy,
    /// The target's own `template`.
    Template,
}

impl WebhookFormat {
    const NAMES: [(&'static str, WebhookFormat); 6] = [
        ("json", WebhookFormat::Json),
        ("slack", WebhookFormat::Slack),
        ("discord", WebhookFormat::Discord),
        ("matrix", WebhookFormat::Matrix),
        ("ntfy", WebhookFormat::Ntfy),
        ("template", WebhookFormat::Template),
    ];

    /// The name used in the config.
    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("json", |(n, _)| n)
    }
}

/// `kind = "email"`.
#[derive(Debug, Clone)]
pub struct Email {
    /// SMTP relay host.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// `smtps://`: TLS from the first byte.
    pub implicit_tls: bool,
    /// STARTTLS required on `smtp://` (default on).
    pub starttls: bool,
    /// Sender mailbox.
    pub from: String,
    /// Recipient mailboxes.
    pub to: Vec<String>,
    /// SMTP user, when the relay wants authentication.
    pub username: Option<String>,
    /// Variable holding the SMTP password.
    pub password_env: Option<String>,
    /// minijinja template of the subject line.
    pub subject: String,
}

/// Subject of an email when the target sets none.
pub const DEFAULT_SUBJECT: &str = "[emend] {{ change }}: {{ title or url }}";

/// `kind = "command"`.
#[derive(Debug, Clone)]
pub struct Command {
    /// Program and arguments, run without a shell.
    pub argv: Vec<String>,
}

/// `[[notify]]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    name: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    sites: Vec<Spanned<String>>,
    changes: Option<Vec<Spanned<String>>>,
    min_words: Option<Spanned<i64>>,
    #[serde(default)]
    fields: Vec<Spanned<String>>,
    give_up_after: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    url_env: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
    template: Option<Spanned<String>>,
    content_type: Option<Spanned<String>>,
    headers: Option<Spanned<BTreeMap<String, String>>>,
    headers_env: Option<Spanned<BTreeMap<String, String>>>,
    smtp: Option<Spanned<String>>,
    starttls: Option<Spanned<bool>>,
    from: Option<Spanned<String>>,
    to: Option<Spanned<Vec<String>>>,
    username: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    subject: Option<Spanned<String>>,
    command: Option<Spanned<Vec<String>>>,
}

impl Validator<'_> {
    /// Validates every `[[notify]]`; `sites` are the configured site names.
    pub(super) fn notify_targets(&mut self, raw: Vec<RawNotify>, sites: &[&str]) -> Vec<Notify> {
        let mut out: Vec<Notify> = Vec::with_capacity(raw.len());
        for r in raw {
            let span = r.name.span();
            if let Some(n) = self.notify(r, sites) {
                if out.iter().any(|o| o.name == n.name) {
                    self.err(span, format!("notify {:?}: duplicate name", n.name));
                } else {
                    out.push(n);
                }
            }
        }
        out
    }

    fn notify(&mut self, mut r: RawNotify, sites: &[&str]) -> Option<Notify> {
        let name = r.name.get_ref().clone();
        let at = format!("notify {name:?}");
        if name.trim().is_empty() || name.contains('\0') {
            self.err(r.name.span(), "notify name must be non-empty text".into());
        }
        let filter = self.filter(&at, &mut r, sites);
        let give_up_after = match r.give_up_after.take() {
            Some(d) => self.duration(&format!("{at}: give_up_after"), d)?,
            None => DEFAULT_GIVE_UP_AFTER,
        };
        let base_url = r
            .base_url
            .take()
            .and_then(|u| self.http_url(&at, "base_url", u));
        let kind = match r.kind.get_ref().as_str() {
            "webhook" => self.webhook(&at, &mut r).map(NotifyKind::Webhook),
            "email" => self.email(&at, &mut r).map(NotifyKind::Email),
            "command" => self.command(&at, &mut r).map(NotifyKind::Command),
            other => {
                self.err(
                    r.kind.span(),
                    format!("{at}: kind {other:?} is not webhook, email or command"),
                );
                None
            }
        };
        self.leftover_keys(&at, &r);
        Some(Notify {
            name,
            filter: filter?,
            kind: kind?,
            give_up_after,
            base_url,
        })
    }

    fn filter(&mut self, at: &str, r: &mut RawNotify, sites: &[&str]) -> Option<NotifyFilter> {
        let mut ok = true;
        for s in &r.sites {
            if !sites.contains(&s.get_ref().as_str()) {
                self.err(
                    s.span(),
                    format!("{at}: no [[site]] named {:?}", s.get_ref()),
                );
                ok = false;
            }
        }
        let changes = match r.changes.take() {
            None => DEFAULT_CHANGES.to_vec(),
            Some(list) => list
                .into_iter()
                .filter_map(|c| match ChangeKind::parse(c.get_ref()) {
                    Some(k) if k != ChangeKind::Unchanged => Some(k),
                    _ => {
                        self.err(c.span(), format!("{at}: change {:?} is not one of new, declared_update, silent_edit, stamp_only", c.get_ref()));
                        ok = false;
                        None
                    }
                })
                .collect(),
        };
        let min_words = match r.min_words.take() {
            None => 0,
            Some(n) => u32::try_from(*n.get_ref()).unwrap_or_else(|_| {
                self.err(n.span(), format!("{at}: min_words must be 0 or more"));
                ok = false;
                0
            }),
        };
        let fields = std::mem::take(&mut r.fields)
            .into_iter()
            .filter_map(|f| {
                let found = ArticleField::ALL.into_iter().find(|a| a.as_str() == f.get_ref());
                if found.is_none() {
                    self.err(f.span(), format!("{at}: field {:?} is not one of title, byline, published, last_update, text", f.get_ref()));
                    ok = false;
                }
                found
            })
            .collect();
        ok.then(|| NotifyFilter {
            sites: r.sites.iter().map(|s| s.get_ref().clone()).collect(),
            changes,
            min_words,
            fields,
        })
    }

    fn webhook(&mut self, at: &str, r: &mut RawNotify) -> Option<Webhook> {
        let url = match (r.url.take(), r.url_env.take()) {
            (Some(u), None) => self
                .http_url(at, "url", u)
                .map(|u| Value::Literal(u.into())),
            (None, Some(e)) => Some(Value::Env(e.into_inner())),
            (Some(u), Some(_)) => {
                self.err(u.span(), format!("{at}: set url or url_env, not both"));
                None
            }
            (None, None) => {
                self.err(
                    r.name.span(),
                    format!("{at}: a webhook needs url or url_env"),
                );
                None
            }
        };
        let format = match r.format.take() {
            None => Some(WebhookFormat::Json),
            Some(f) => {
                let found = WebhookFormat::NAMES.iter().find(|(n, _)| n == f.get_ref());
                if found.is_none() {
                    self.err(f.span(), format!("{at}: format {:?} is not one of json, slack, discord, matrix, ntfy, template", f.get_ref()));
                }
                found.map(|(_, f)| *f)
            }
        };
        let template = r.template.take();
        let template = match (format, template) {
            (Some(WebhookFormat::Template), Some(t)) => self.template(at, "template", t),
            (Some(WebhookFormat::Template), None) => {
                self.err(
                    r.name.span(),
                    format!("{at}: format = \"template\" needs a template"),
                );
                None
            }
            (_, Some(t)) => {
                self.err(
                    t.span(),
                    format!("{at}: template is used only with format = \"template\""),
                );
                None
            }
            (_, None) => None,
        };
        let mut headers: Vec<(String, Value)> = Vec::new();
        for (k, v) in r
            .headers
            .take()
            .map(Spanned::into_inner)
            .unwrap_or_default()
        {
            headers.push((k, Value::Literal(v)));
        }
        for (k, v) in r
            .headers_env
            .take()
            .map(Spanned::into_inner)
            .unwrap_or_default()
        {
            headers.push((k, Value::Env(v)));
        }
        let content_type = r
            .content_type
            .take()
            .map_or_else(|| "application/json".to_owned(), Spanned::into_inner);
        Some(Webhook {
            url: url?,
            format: format?,
            template,
            content_type,
            headers,
        })
    }

    fn email(&mut self, at: &str, r: &mut RawNotify) -> Option<Email> {
        let Some(smtp) = r.smtp.take() else {
            self.err(
                r.name.span(),
                format!("{at}: an email target needs smtp = \"smtp://host:port\""),
            );
            return None;
        };
        let parsed = Url::parse(smtp.get_ref()).ok().filter(|u| {
            matches!(u.scheme(), "smtp" | "smtps") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        let Some(parsed) = parsed else {
            self.err(
                smtp.span(),
                format!(
                    "{at}: smtp {:?} is not smtp://host[:port] or smtps://host[:port]",
                    smtp.get_ref()
                ),
            );
            return None;
        };
        let implicit_tls = parsed.scheme() == "smtps";
        let starttls = r.starttls.take().map(Spanned::into_inner);
        if implicit_tls && starttls.is_some() {
            self.err(
                smtp.span(),
                format!("{at}: starttls applies to smtp://, not smtps://"),
            );
        }
        let from = r.from.take();
        if from.is_none() {
            self.err(r.name.span(), format!("{at}: an email target needs from"));
        }
        let to = r.to.take().map(Spanned::into_inner).unwrap_or_default();
        if to.is_empty() {
            self.err(
                r.name.span(),
                format!("{at}: an email target needs to = [\"...\"]"),
            );
        }
        for addr in from.iter().map(|f| f.get_ref()).chain(&to) {
            if addr.parse::<lettre::message::Mailbox>().is_err() {
                self.err(smtp.span(), format!("{at}: {addr:?} is not a mail address"));
            }
        }
        let subject = match r.subject.take() {
            Some(s) => self.template(at, "subject", s)?,
            None => DEFAULT_SUBJECT.to_owned(),
        };
        Some(Email {
            host: parsed.host_str().unwrap_or_default().to_owned(),
            port: parsed.port().unwrap_or(if implicit_tls { 465 } else { 25 }),
            implicit_tls,
            starttls: !implicit_tls && starttls.unwrap_or(true),
            from: from?.into_inner(),
            to,
            username: r.username.take().map(Spanned::into_inner),
            password_env: r.password_env.take().map(Spanned::into_inner),
            subject,
        })
    }

    fn command(&mut self, at: &str, r: &mut RawNotify) -> Option<Command> {
        let argv = r
            .command
            .take()
            .map(Spanned::into_inner)
            .unwrap_or_default();
        if argv.first().is_none_or(|p| p.trim().is_empty()) {
            self.err(
                r.name.span(),
                format!("{at}: a command target needs command = [\"program\", \"arg\", ...]"),
            );
            return None;
        }
        Some(Command { argv })
    }

    /// Keys of another kind left in the table: a typo or a misplaced setting, never ignored.
    fn leftover_keys(&mut self, at: &str, r: &RawNotify) {
        let spans = [
            ("url", r.url.as_ref().map(Spanned::span)),
            ("url_env", r.url_env.as_ref().map(Spanned::span)),
            ("format", r.format.as_ref().map(Spanned::span)),
            ("template", r.template.as_ref().map(Spanned::span)),
            ("content_type", r.content_type.as_ref().map(Spanned::span)),
            ("headers", r.headers.as_ref().map(Spanned::span)),
            ("headers_env", r.headers_env.as_ref().map(Spanned::span)),
            ("smtp", r.smtp.as_ref().map(Spanned::span)),
            ("starttls", r.starttls.as_ref().map(Spanned::span)),
            ("from", r.from.as_ref().map(Spanned::span)),
            ("to", r.to.as_ref().map(Spanned::span)),
            ("username", r.username.as_ref().map(Spanned::span)),
            ("password_env", r.password_env.as_ref().map(Spanned::span)),
            ("subject", r.subject.as_ref().map(Spanned::span)),
            ("command", r.command.as_ref().map(Spanned::span)),
        ];
        for (key, span) in spans {
            if let Some(span) = span {
                let kind = r.kind.get_ref();
                self.err(
                    span,
                    format!("{at}: {key} does not apply to kind = {kind:?}"),
                );
            }
        }
    }

    fn http_url(&mut self, at: &str, key: &str, raw: Spanned<String>) -> Option<Url> {
        match Url::parse(raw.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(u),
            _ => {
                self.err(
                    raw.span(),
                    format!("{at}: {key} {:?} is not an http(s) URL", raw.get_ref()),
                );
                None
            }
        }
    }

    fn template(&mut self, at: &str, key: &str, raw: Spanned<String>) -> Option<String> {
        let env = minijinja::Environment::new();
        match env.template_from_str(raw.get_ref()) {
            Ok(_) => Some(raw.into_inner()),
            Err(e) => {
                self.err(raw.span(), format!("{at}: {key}: {e}"));
                None
            }
        }
    }
}

/// A target as `emend check-config` prints it: defaults filled in, secrets never shown
/// (variables by name, literal header values hidden).
#[derive(serde::Serialize)]
pub(super) struct EffectiveNotify<'a> {
    name: &'a str,
    kind: &'static str,
    sites: &'a [String],
    changes: Vec<&'static str>,
    min_words: u32,
    fields: Vec<&'static str>,
    give_up_after: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<&'a str>,
    #[serde(flatten)]
    settings: BTreeMap<&'static str, toml::Value>,
}

impl<'a> EffectiveNotify<'a> {
    pub(super) fn new(n: &'a Notify) -> Self {
        let mut settings = BTreeMap::new();
        let text = |s: &str| toml::Value::String(s.to_owned());
        let list = |v: &[String]| toml::Value::Array(v.iter().map(|s| text(s)).collect());
        match &n.kind {
            NotifyKind::Webhook(w) => {
                match &w.url {
                    Value::Literal(u) => settings.insert("url", text(u)),
                    Value::Env(var) => settings.insert("url_env", text(var)),
                };
                settings.insert("format", text(w.format.as_str()));
                if let Some(t) = &w.template {
                    settings.insert("template", text(t));
                    settings.insert("content_type", text(&w.content_type));
                }
                let headers: toml::Table = w
                    .headers
                    .iter()
                    .map(|(k, v)| {
                        let shown = match v {
                            Value::Literal(_) => "(set in the config; hidden)".to_owned(),
                            Value::Env(var) => format!("(from ${var})"),
                        };
                        (k.clone(), text(&shown))
                    })
                    .collect();
                settings.insert("headers", toml::Value::Table(headers));
            }
            NotifyKind::Email(e) => {
                let scheme = if e.implicit_tls { "smtps" } else { "smtp" };
                settings.insert("smtp", text(&format!("{scheme}://{}:{}", e.host, e.port)));
                settings.insert("starttls", toml::Value::Boolean(e.starttls));
                settings.insert("from", text(&e.from));
                settings.insert("to", list(&e.to));
                if let Some(u) = &e.username {
                    settings.insert("username", text(u));
                }
                if let Some(p) = &e.password_env {
                    settings.insert("password_env", text(p));
                }
                settings.insert("subject", text(&e.subject));
            }
            NotifyKind::Command(c) => {
                settings.insert("command", list(&c.argv));
            }
        }
        EffectiveNotify {
            name: &n.name,
            kind: n.kind.as_str(),
            sites: &n.filter.sites,
            changes: n.filter.changes.iter().map(|c| c.as_str()).collect(),
            min_words: n.filter.min_words,
            fields: n.filter.fields.iter().map(|f| f.as_str()).collect(),
            give_up_after: humantime::format_duration(n.give_up_after).to_string(),
            base_url: n.base_url.as_ref().map(Url::as_str),
            settings,
        }
    }
}
