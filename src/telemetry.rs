//! In-process counters for `/metrics`: HTTP requests by route, and sweep runs, in
//! Prometheus' text format. Figures kept in the database (complaints, the outbox) are
//! read at scrape time instead, so they are right after a restart.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// At most this many request series (and latency histograms): what `/metrics` holds
/// stays bounded whatever requests arrive.
pub const MAX_SERIES: usize = 1000;
const OVERFLOW: &str = "overflow";

/// Upper bounds (seconds) of request-latency buckets.
const HTTP_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Upper bounds (seconds) of sweep-duration buckets.
const SWEEP_BUCKETS: [f64; 8] = [0.01, 0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0];

/// A cumulative histogram with fixed bounds.
#[derive(Debug, Clone)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    pub fn observe(&mut self, v: f64) {
        for (b, c) in self.bounds.iter().zip(self.counts.iter_mut()) {
            if v <= *b {
                *c += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    /// `name_bucket{labels,le=…}`, `name_sum`, `name_count` lines.
    pub fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency.
    latency: BTreeMap<String, Histogram>,
    /// sweep → duration of its passes.
    sweeps: BTreeMap<&'static str, Histogram>,
    /// sweep → failed passes.
    sweep_failures: BTreeMap<&'static str, u64>,
    /// Messages delivered, and attempts that failed (to be retried, or for good).
    sent: u64,
    send_failures: u64,
    /// Sign-in attempts by outcome: `ok` and `wrong` had their password checked.
    logins: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
pub struct Telemetry {
    inner: Mutex<Inner>,
}

impl Telemetry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One answered request; `route` is the matched route pattern, never the raw path,
    /// so the series stay few.
    /// Past `MAX_SERIES`, a new combination is counted under `route="overflow"`.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let mut g = self.lock();
        let mut key = (route.to_string(), method.to_string(), status);
        if g.requests.len() >= MAX_SERIES && !g.requests.contains_key(&key) {
            key = (OVERFLOW.to_string(), "other".to_string(), 0);
        }
        *g.requests.entry(key).or_default() += 1;
        let route = if g.latency.len() >= MAX_SERIES && !g.latency.contains_key(route) {
            OVERFLOW
        } else {
            route
        };
        g.latency
            .entry(route.to_string())
            .or_insert_with(|| Histogram::new(&HTTP_BUCKETS))
            .observe(took.as_secs_f64());
    }

    /// One pass of a sweep, and whether it failed.
    pub fn sweep(&self, sweep: &'static str, took: Duration, failed: bool) {
        let mut g = self.lock();
        g.sweeps
            .entry(sweep)
            .or_insert_with(|| Histogram::new(&SWEEP_BUCKETS))
            .observe(took.as_secs_f64());
        *g.sweep_failures.entry(sweep).or_default() += u64::from(failed);
    }

    /// What one outbox pass delivered and what failed.
    pub fn deliveries(&self, sent: u64, failed: u64) {
        let mut g = self.lock();
        g.sent += sent;
        g.send_failures += failed;
    }

    /// One sign-in attempt: `ok`, `wrong`, `throttled` or `refused` (a spent or
    /// forged form token).
    pub fn login(&self, outcome: &'static str) {
        *self.lock().logins.entry(outcome).or_default() += 1;
    }

    pub fn render(&self, out: &mut String) {
        let g = self.lock();
        out.push_str("# HELP takedown_login_attempts_total Sign-in attempts by outcome; only ok and wrong had their password checked.\n# TYPE takedown_login_attempts_total counter\n");
        for (outcome, n) in &g.logins {
            let _ = writeln!(
                out,
                "takedown_login_attempts_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP takedown_outbox_sent_total Emails and webhooks delivered by this process.\n# TYPE takedown_outbox_sent_total counter\ntakedown_outbox_sent_total {}",
            g.sent
        );
        let _ = writeln!(
            out,
            "# HELP takedown_outbox_send_failures_total Delivery attempts that failed (retried later, or failed for good).\n# TYPE takedown_outbox_send_failures_total counter\ntakedown_outbox_send_failures_total {}",
            g.send_failures
        );
        out.push_str("# HELP takedown_http_requests_total HTTP requests answered, by route, method and status.\n# TYPE takedown_http_requests_total counter\n");
        for ((route, method, status), n) in &g.requests {
            let _ = writeln!(
                out,
                "takedown_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP takedown_http_request_duration_seconds Time to answer HTTP requests, by route.\n# TYPE takedown_http_request_duration_seconds histogram\n");
        for (route, h) in &g.latency {
            h.write(
                out,
                "takedown_http_request_duration_seconds",
                &format!("route=\"{}\"", escape(route)),
            );
        }
        out.push_str("# HELP takedown_sweep_duration_seconds Time each scheduled sweep pass took.\n# TYPE takedown_sweep_duration_seconds histogram\n");
        for (sweep, h) in &g.sweeps {
            h.write(
                out,
                "takedown_sweep_duration_seconds",
                &format!("sweep=\"{sweep}\""),
            );
        }
        out.push_str("# HELP takedown_sweep_failures_total Sweep passes that failed (they are retried on the next wake-up).\n# TYPE takedown_sweep_failures_total counter\n");
        for (sweep, n) in &g.sweep_failures {
            let _ = writeln!(
                out,
                "takedown_sweep_failures_total{{sweep=\"{sweep}\"}} {n}"
            );
        }
    }
}

/// A label value as the text format wants it.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let mut h = Histogram::new(&[1.0, 2.0]);
        for v in [0.5, 1.5, 3.0] {
            h.observe(v);
        }
        let mut out = String::new();
        h.write(&mut out, "x", "a=\"b\"");
        assert!(out.contains("x_bucket{a=\"b\",le=\"1\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"2\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_sum{a=\"b\"} 5\n") && out.contains("x_count{a=\"b\"} 3\n"));
    }
}

#[cfg(test)]
mod series_tests {
    use super::*;

    #[test]
    fn request_series_are_capped() {
        let t = Telemetry::default();
        for i in 0..(MAX_SERIES + 500) {
            t.request(&format!("/r{i}"), "GET", 200, Duration::from_millis(1));
        }
        let g = t.lock();
        assert_eq!(g.requests.len(), MAX_SERIES + 1);
        assert_eq!(g.latency.len(), MAX_SERIES + 1);
        let overflow = (OVERFLOW.to_string(), "other".to_string(), 0);
        assert_eq!(g.requests[&overflow], 500);
    }
}
