//! Operational endpoints: `/metrics`, `/healthz` and the stylesheet.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::web::AppState;
use crate::web::metrics::{CONTENT_TYPE, Exposition};
use crate::web::respond::{WebError, blocking, with_type};

/// The stylesheet, compiled in.
const STYLE: &str = include_str!("../style.css");

/// `GET /style.css`.
pub async fn style() -> Response {
    let mut r = with_type(StatusCode::OK, STYLE.to_owned(), "text/css; charset=utf-8");
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// `GET /healthz`: 200 when the archive answers.
pub async fn healthz(State(state): State<AppState>) -> Result<Response, WebError> {
    blocking(move || {
        state.store.ping()?;
        Ok(with_type(
            StatusCode::OK,
            "ok\n".to_owned(),
            "text/plain; charset=utf-8",
        ))
    })
    .await
}

/// `GET /metrics`: store counters and the daemon's live figures.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, WebError> {
    blocking(move || {
        let s = state.store.stats()?;
        let mut e = Exposition::default();
        e.single("emend_articles", "gauge", "Tracked articles.", s.articles);
        e.single(
            "emend_versions_total",
            "counter",
            "Versions stored.",
            s.versions,
        );
        e.single("emend_checks_total", "counter", "Checks logged.", s.checks);
        e.single(
            "emend_bodies",
            "gauge",
            "Distinct raw bodies stored.",
            s.bodies,
        );
        e.single(
            "emend_body_bytes",
            "gauge",
            "Compressed bytes of stored bodies.",
            s.body_bytes,
        );
        e.single(
            "emend_scheduled",
            "gauge",
            "Articles with a pending check.",
            s.scheduled,
        );
        if let Some(m) = &state.metrics {
            e.labelled(
                "emend_host_queue",
                "gauge",
                "URLs waiting per host.",
                "host",
                &m.host_queues(),
            );
            let errors = m.host_errors();
            e.single(
                "emend_errors_total",
                "counter",
                "Failed checks since the daemon started.",
                errors.iter().map(|(_, n)| n).sum(),
            );
            e.labelled(
                "emend_host_errors_total",
                "counter",
                "Failed checks per host since the daemon started.",
                "host",
                &errors,
            );
        }
        e.labelled(
            "emend_notify_pending",
            "gauge",
            "Notifications waiting for delivery, per [[notify]] target.",
            "target",
            &state.store.outbox_counts(false)?,
        );
        e.labelled(
            "emend_notify_failed",
            "gauge",
            "Notifications given up, per target (listed by `emend notify status`).",
            "target",
            &state.store.outbox_counts(true)?,
        );
        Ok(with_type(StatusCode::OK, e.finish(), CONTENT_TYPE))
    })
    .await
}
