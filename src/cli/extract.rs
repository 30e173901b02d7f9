//! `emend extract`: extraction of saved HTML files, no network and no store.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Map, Value, json};

use super::Context;
use crate::extract::{Options, extract};
use crate::model::{Article, FieldSource};

/// Arguments of `emend extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// HTML files to extract
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// URL the pages were fetched from (resolves links; selects the site's selectors)
    #[arg(long)]
    pub url: Option<url::Url>,
    /// One JSON object per file and line
    #[arg(long)]
    pub json: bool,
    /// Worker threads (1 = sequential); output keeps the order of the files
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
}

/// Reads a file as text: UTF-8, else the `<meta charset>` or a detected encoding.
/// `buf` is reused from file to file: a fresh buffer per page costs a page fault per 4 KiB.
fn read_html<'b>(path: &std::path::Path, buf: &'b mut Vec<u8>) -> anyhow::Result<Cow<'b, str>> {
    buf.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(buf))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    // Validated once: `from_utf8_lossy` after a successful check would walk the page again.
    if let Ok(text) = std::str::from_utf8(buf) {
        return Ok(Cow::Borrowed(text));
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(buf, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    let (text, _, _) = enc.decode(buf);
    Ok(Cow::Owned(text.into_owned()))
}

fn source(s: Option<FieldSource>) -> Value {
    s.map_or(Value::Null, |s| {
        serde_json::to_value(s).unwrap_or(Value::Null)
    })
}

/// Whether a stamp is a time of day without an offset (the page's local time).
fn is_local(s: Option<&str>) -> Option<bool> {
    let s = s?;
    let b = s.as_bytes();
    if b.len() < 16 || b.get(10) != Some(&b'T') {
        return None;
    }
    let tail = &s[16..];
    Some(!(tail.ends_with('Z') || tail.contains('+') || tail.contains('-')))
}

fn to_json(file: &str, a: &Article) -> Value {
    let mut m = Map::new();
    m.insert("file".into(), json!(file));
    m.insert("title".into(), json!(a.title));
    m.insert("byline".into(), json!(a.byline));
    m.insert("published".into(), json!(a.published));
    m.insert("last_update".into(), json!(a.last_update));
    m.insert("text".into(), json!(a.text));
    m.insert("title_source".into(), source(a.sources.title));
    m.insert("byline_source".into(), source(a.sources.byline));
    m.insert("published_source".into(), source(a.sources.published));
    m.insert("last_update_source".into(), source(a.sources.last_update));
    m.insert(
        "published_local".into(),
        json!(is_local(a.published.as_deref())),
    );
    m.insert(
        "last_update_local".into(),
        json!(is_local(a.last_update.as_deref())),
    );
    m.insert("canonical".into(), json!(a.canonical));
    Value::Object(m)
}

fn human(file: &str, a: &Article) -> String {
    let mut s = format!("== {file}\n");
    let field = |name: &str, v: &Option<String>, src: Option<FieldSource>| match v {
        Some(v) => match src {
            Some(src) => format!(
                "{name}: {v}  [{}]\n",
                source(Some(src)).as_str().unwrap_or("")
            ),
            None => format!("{name}: {v}\n"),
        },
        None => String::new(),
    };
    s += &field("Title", &a.title, a.sources.title);
    s += &field("By", &a.byline, a.sources.byline);
    s += &field("Published", &a.published, a.sources.published);
    s += &field("Updated", &a.last_update, a.sources.last_update);
    s.push('\n');
    s += &a.text;
    s.push('\n');
    s
}

fn one(
    path: &std::path::Path,
    args: &ExtractArgs,
    opts: &Options<'_>,
    buf: &mut Vec<u8>,
) -> anyhow::Result<String> {
    let html = read_html(path, buf)?;
    let article = extract(&html, opts);
    let file = path.display().to_string();
    Ok(if args.json {
        serde_json::to_string(&to_json(&file, &article))? + "\n"
    } else {
        human(&file, &article)
    })
}

/// Runs `emend extract`.
pub fn run(ctx: &Context, args: &ExtractArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let selectors = args
        .url
        .as_ref()
        .and_then(|u| config.site_for(u))
        .map(|s| &s.selectors);
    let opts = Options {
        url: args.url.as_ref(),
        selectors,
    };
    let mut out = std::io::stdout().lock();
    let mut failed = 0usize;
    let mut emit =
        |res: anyhow::Result<String>, out: &mut std::io::StdoutLock<'_>| -> anyhow::Result<()> {
            match res {
                Ok(s) => out.write_all(s.as_bytes())?,
                Err(e) => {
                    eprintln!("emend: {e:#}");
                    failed += 1;
                }
            }
            Ok(())
        };
    let jobs = args.jobs.max(1).min(args.files.len().max(1));
    if jobs == 1 {
        let mut buf = Vec::new();
        for f in &args.files {
            emit(one(f, args, &opts, &mut buf), &mut out)?;
        }
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<std::sync::Mutex<Option<anyhow::Result<String>>>> = args
            .files
            .iter()
            .map(|_| std::sync::Mutex::new(None))
            .collect();
        std::thread::scope(|s| {
            for _ in 0..jobs {
                s.spawn(|| {
                    let mut buf = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(f) = args.files.get(i) else { break };
                        let r = one(f, args, &opts, &mut buf);
                        if let Some(slot) = results.get(i)
                            && let Ok(mut g) = slot.lock()
                        {
                            *g = Some(r);
                        }
                    }
                });
            }
        });
        for slot in results {
            let r = slot
                .into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(anyhow::anyhow!("worker failed")));
            emit(r, &mut out)?;
        }
    }
    out.flush()?;
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} files could not be extracted",
            args.files.len()
        );
    }
    Ok(())
}
