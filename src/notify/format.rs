//! Message bodies: emend's JSON, the Slack, Discord, Matrix and ntfy shapes, user templates
//! (minijinja), and the plain-text and HTML renderings email and chat bodies are made of.

use serde_json::{Value, json};

use super::excerpt::Excerpt;
use super::message::ChangeMessage;
use crate::diff::Op;
use crate::error::{Error, Result};

/// Discord's limit on `content`, in characters.
const DISCORD_CONTENT: usize = 2000;
/// Discord's limit on an embed description.
const DISCORD_DESCRIPTION: usize = 4096;
/// Discord's limit on an embed title.
const DISCORD_TITLE: usize = 256;
/// Slack's limit on a section block's text.
const SLACK_SECTION: usize = 3000;
/// ntfy's default message size limit, in bytes (kept in characters, conservatively).
const NTFY_MESSAGE: usize = 4000;

/// "Silent edit: Headline (site, 3 → 4)".
pub fn summary(m: &ChangeMessage) -> String {
    let kind = match m.change.as_str() {
        "declared_update" => "Declared update",
        "silent_edit" => "Silent edit",
        "stamp_only" => "Stamp changed",
        "new" => "New article",
        other => other,
    };
    let title = m.title.as_deref().unwrap_or(&m.url);
    let from = m.from.as_ref().map_or(0, |f| f.version);
    match &m.site {
        Some(site) => format!(
            "{kind}: {title} ({site}, version {from} → {})",
            m.to.version
        ),
        None => format!("{kind}: {title} (version {from} → {})", m.to.version),
    }
}

/// The whole message as plain text: summary, stamps, changed fields, passages, links.
pub fn plain_text(m: &ChangeMessage) -> String {
    let mut out = format!("{}\n{}\n\n", summary(m), m.url);
    if let Some(f) = &m.from {
        out.push_str(&format!(
            "before: version {} fetched {}, stamp {}\n",
            f.version,
            f.fetched_at,
            f.last_update.as_deref().unwrap_or("none")
        ));
    }
    out.push_str(&format!(
        "after:  version {} fetched {}, stamp {}\n",
        m.to.version,
        m.to.fetched_at,
        m.to.last_update.as_deref().unwrap_or("none")
    ));
    out.push_str(&format!("words: +{} -{}\n", m.words_added, m.words_removed));
    for f in &m.fields {
        out.push_str(&format!(
            "{}: {:?} → {:?}\n",
            f.field.as_str(),
            f.before.as_deref().unwrap_or(""),
            f.after.as_deref().unwrap_or("")
        ));
    }
    for e in &m.diff {
        out.push_str("\n  ");
        out.push_str(&e.marked_text().replace('\n', "\n  "));
        out.push('\n');
    }
    if let Some(d) = &m.links.diff {
        out.push_str(&format!("\ndiff: {d}\n"));
    }
    out
}

/// The message as an HTML fragment, deletions in `<del>`, insertions in `<ins>`.
pub fn html(m: &ChangeMessage) -> String {
    let e = escape_html;
    let link = m.links.diff.as_deref().unwrap_or(&m.url);
    let mut out = format!(
        "<p><a href=\"{}\">{}</a></p>\n<ul>\n",
        e(link),
        e(&summary(m))
    );
    if let Some(f) = &m.from {
        out.push_str(&format!(
            "<li>before: version {} fetched {}, stamp {}</li>\n",
            f.version,
            e(&f.fetched_at),
            e(f.last_update.as_deref().unwrap_or("none"))
        ));
    }
    out.push_str(&format!(
        "<li>after: version {} fetched {}, stamp {}</li>\n",
        m.to.version,
        e(&m.to.fetched_at),
        e(m.to.last_update.as_deref().unwrap_or("none"))
    ));
    out.push_str(&format!(
        "<li>words: +{} −{}</li>\n</ul>\n",
        m.words_added, m.words_removed
    ));
    for x in &m.diff {
        out.push_str("<blockquote>");
        for op in &x.ops {
            let text = e(&op.text);
            match op.op {
                Op::Equal => out.push_str(&text),
                Op::Delete => out.push_str(&format!("<del>{text}</del>")),
                Op::Insert => out.push_str(&format!("<ins>{text}</ins>")),
            }
        }
        out.push_str("</blockquote>\n");
    }
    out
}

/// emend's own schema ([`super::SCHEMA`]).
pub fn json_body(m: &ChangeMessage) -> Result<Vec<u8>> {
    serde_json::to_vec(m).map_err(|e| Error::Notify {
        target: String::new(),
        message: format!("cannot encode the message: {e}"),
    })
}

/// A Slack incoming-webhook body: `text` (the notification line) and `blocks`.
pub fn slack(m: &ChangeMessage) -> Value {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let link = m.links.diff.as_deref().unwrap_or(&m.url);
    let head = format!("*<{}|{}>*", esc(link), esc(&summary(m)));
    let passages = passages(&m.diff, |op, t| match op {
        Op::Equal => esc(t),
        Op::Delete => wrap_words(&esc(t), "~"),
        Op::Insert => wrap_words(&esc(t), "*"),
    });
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": head}})];
    if !passages.is_empty() {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&passages, SLACK_SECTION)}}));
    }
    blocks.push(
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": esc(&stamps(m))}]}),
    );
    json!({"text": summary(m), "blocks": blocks})
}

/// A Discord webhook body: `content` and one embed; mentions in scraped text never ping.
pub fn discord(m: &ChangeMessage) -> Value {
    let description = passages(&m.diff, |op, t| match op {
        Op::Equal => escape_markdown(t),
        Op::Delete => wrap_words(&escape_markdown(t), "~~"),
        Op::Insert => wrap_words(&escape_markdown(t), "**"),
    });
    let title = m.title.as_deref().unwrap_or(&m.url);
    json!({
        "content": truncate(&summary(m), DISCORD_CONTENT),
        "allowed_mentions": {"parse": []},
        "embeds": [{
            "title": truncate(title, DISCORD_TITLE),
            "url": m.links.diff.as_deref().unwrap_or(&m.url),
            "description": truncate(&description, DISCORD_DESCRIPTION),
            "timestamp": m.to.fetched_at,
            "footer": {"text": stamps(m)},
        }],
    })
}

/// A Matrix `m.room.message` event content with an HTML body.
pub fn matrix(m: &ChangeMessage) -> Value {
    json!({
        "msgtype": "m.text",
        "body": plain_text(m),
        "format": "org.matrix.custom.html",
        "formatted_body": html(m),
    })
}

/// An ntfy JSON publish body for `topic`.
pub fn ntfy(m: &ChangeMessage, topic: &str) -> Value {
    let message = passages(&m.diff, |op, t| match op {
        Op::Equal => t.to_owned(),
        Op::Delete => format!("[-{t}-]"),
        Op::Insert => format!("{{+{t}+}}"),
    });
    json!({
        "topic": topic,
        "title": truncate(&summary(m), 250),
        "message": truncate(if message.is_empty() { &m.url } else { &message }, NTFY_MESSAGE),
        "click": m.links.diff.as_deref().unwrap_or(&m.url),
        "tags": ["pencil2", m.change.as_str()],
    })
}

/// Renders a user template; the message's fields are its variables, plus `summary`,
/// `text` (plain) and `html`.
pub fn template(m: &ChangeMessage, source: &str) -> Result<String> {
    let env = minijinja::Environment::new();
    let fail = |e: minijinja::Error| Error::Notify {
        target: String::new(),
        message: format!("template: {e}"),
    };
    let mut ctx = serde_json::to_value(m).map_err(|e| Error::Notify {
        target: String::new(),
        message: format!("cannot encode the message: {e}"),
    })?;
    if let Value::Object(map) = &mut ctx {
        map.insert("summary".into(), summary(m).into());
        map.insert("text".into(), plain_text(m).into());
        map.insert("html".into(), html(m).into());
    }
    env.render_str(source, ctx).map_err(fail)
}

fn stamps(m: &ChangeMessage) -> String {
    let stamp = |s: Option<&str>| s.unwrap_or("none").to_owned();
    match &m.from {
        Some(f) => format!(
            "version {} fetched {} (stamp {}) → version {} fetched {} (stamp {})",
            f.version,
            f.fetched_at,
            stamp(f.last_update.as_deref()),
            m.to.version,
            m.to.fetched_at,
            stamp(m.to.last_update.as_deref())
        ),
        None => format!(
            "version {} fetched {} (stamp {})",
            m.to.version,
            m.to.fetched_at,
            stamp(m.to.last_update.as_deref())
        ),
    }
}

/// Every passage rendered with `mark`, one per paragraph, quoted.
fn passages(diff: &[Excerpt], mark: impl Fn(Op, &str) -> String) -> String {
    diff.iter()
        .map(|x| {
            let line: String = x.ops.iter().map(|o| mark(o.op, &o.text)).collect();
            format!("> {}", line.replace('\n', "\n> "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps the non-blank part of `t` in `mark`: chat markup does not span outer whitespace.
fn wrap_words(t: &str, mark: &str) -> String {
    let core = t.trim();
    if core.is_empty() {
        return t.to_owned();
    }
    let start = t.len() - t.trim_start().len();
    let end = start + core.len();
    format!("{}{mark}{core}{mark}{}", &t[..start], &t[end..])
}

fn escape_markdown(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// HTML text and attribute escaping.
pub fn escape_html(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `s` cut to `max` characters, an ellipsis marking the cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
