//! `/metrics` in the Prometheus text format: store counters plus whatever a running daemon
//! reports through [`MetricsSource`] (per-host queues and errors).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Live figures a running process (the daemon) adds to `/metrics`.
pub trait MetricsSource: Send + Sync {
    /// URLs waiting per host.
    fn host_queues(&self) -> Vec<(String, u64)>;
    /// Failed checks per host since start.
    fn host_errors(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// A ready-made [`MetricsSource`] the daemon can share and update from its workers.
#[derive(Debug, Default)]
pub struct SharedMetrics {
    queues: Mutex<BTreeMap<String, u64>>,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl SharedMetrics {
    /// Sets the number of URLs waiting for `host`.
    pub fn set_queue(&self, host: &str, len: u64) {
        if let Ok(mut q) = self.queues.lock() {
            q.insert(host.to_owned(), len);
        }
    }

    /// Counts one failed check for `host`.
    pub fn add_error(&self, host: &str) {
        if let Ok(mut e) = self.errors.lock() {
            *e.entry(host.to_owned()).or_default() += 1;
        }
    }
}

impl MetricsSource for SharedMetrics {
    fn host_queues(&self) -> Vec<(String, u64)> {
        self.queues
            .lock()
            .map(|q| q.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }

    fn host_errors(&self) -> Vec<(String, u64)> {
        self.errors
            .lock()
            .map(|q| q.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }
}

/// The Prometheus content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Builds the exposition text.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Adds a metric without labels.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: u64) {
        self.header(name, kind, help);
        let _ = writeln!(self.out, "{name} {value}");
    }

    /// Adds a metric with one label per sample (omitted entirely when empty).
    pub fn labelled(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        label: &str,
        samples: &[(String, u64)],
    ) {
        if samples.is_empty() {
            return;
        }
        self.header(name, kind, help);
        for (value_of_label, v) in samples {
            let _ = writeln!(
                self.out,
                "{name}{{{label}=\"{}\"}} {v}",
                escape_label(value_of_label)
            );
        }
    }

    fn header(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    /// The finished text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes a label value as the text format requires.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_help_type_and_escaped_labels() {
        let m = SharedMetrics::default();
        m.set_queue("a.example", 3);
        m.add_error("b\"x");
        m.add_error("b\"x");
        let mut e = Exposition::default();
        e.single("emend_versions_total", "counter", "Versions stored.", 7);
        e.labelled(
            "emend_host_queue",
            "gauge",
            "Queued.",
            "host",
            &m.host_queues(),
        );
        e.labelled(
            "emend_host_errors_total",
            "counter",
            "Errors.",
            "host",
            &m.host_errors(),
        );
        let text = e.finish();
        assert!(text.contains("# TYPE emend_versions_total counter\nemend_versions_total 7\n"));
        assert!(text.contains("emend_host_queue{host=\"a.example\"} 3\n"));
        assert!(text.contains("emend_host_errors_total{host=\"b\\\"x\"} 2\n"));
    }
}
