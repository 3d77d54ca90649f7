//! The benchmark report: one row per scenario, printed as an aligned text
//! table with the target and PASS/MISS next to each measured number.

use std::fmt::{self, Write as _};

/// A speed or latency target and whether the measurement met it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// As printed, e.g. `≥ 100,000/s` or `p99 ≤ 50 ms`.
    pub text: String,
    pub pass: bool,
}

/// One measured (or skipped) scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Stable key for scripts and tests: `fold`, `consumer/redis/1000`,
    /// `fold`, `consumer/redis/1000`, `idle/10000x1`, `fanout/10000x10`, ...
    pub id: String,
    /// What was measured, for people.
    pub scenario: String,
    /// Events applied, connections opened or frames received.
    pub count: Option<u64>,
    /// What `count` should be (events generated, clients started, frames
    /// published × subscribers).
    pub expected: Option<u64>,
    /// Events, connections or messages per second.
    pub rate: Option<f64>,
    /// Latency quantiles in milliseconds.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// Resident memory of the gateway process (KiB).
    pub rss_kib: Option<u64>,
    /// Gateway memory per idle connection (KiB).
    pub per_conn_kib: Option<f64>,
    pub target: Option<Target>,
    /// Why the row was not measured (the numbers are then empty).
    pub skipped: Option<String>,
    /// Why the measurement failed (the numbers are then empty).
    pub failed: Option<String>,
    /// Anything else worth knowing (connect time, lost frames, CPU).
    pub notes: String,
}

impl Row {
    /// A row that could not be measured, and why.
    #[must_use]
    pub fn skipped(id: impl Into<String>, scenario: impl Into<String>, why: impl Into<String>) -> Self {
        Row { id: id.into(), scenario: scenario.into(), skipped: Some(why.into()), ..Row::default() }
    }

    /// PASS, MISS, FAIL (not measured: an error), SKIP, or `-` without a
    /// target.
    #[must_use]
    pub fn result(&self) -> &'static str {
        if self.failed.is_some() {
            return "FAIL";
        }
        match (&self.skipped, &self.target) {
            (Some(_), _) => "SKIP",
            (None, Some(t)) if t.pass => "PASS",
            (None, Some(_)) => "MISS",
            (None, None) => "-",
        }
    }
}

/// Everything one `livematch bench` run measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// The machine line (cores, CPU, memory, build profile).
    pub machine: String,
    pub rows: Vec<Row>,
}

impl Report {
    /// The row with this id.
    #[must_use]
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == id)
    }

    /// True when no row missed its target or failed.
    #[must_use]
    pub fn all_targets_met(&self) -> bool {
        self.rows.iter().all(|r| !matches!(r.result(), "MISS" | "FAIL"))
    }
}

const HEADERS: [&str; 11] =
    ["scenario", "count", "rate/s", "p50 ms", "p99 ms", "max ms", "RSS MiB", "KiB/conn", "target", "result", "notes"];

/// Right-aligned columns (numbers).
const NUMERIC: [bool; 11] = [false, true, true, true, true, true, true, true, false, false, false];

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.machine)?;
        let cells: Vec<[String; 11]> = self.rows.iter().map(cells).collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for row in &cells {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, row: &[String; 11]| -> fmt::Result {
            let mut out = String::from("|");
            for ((cell, width), numeric) in row.iter().zip(widths).zip(NUMERIC) {
                let pad = " ".repeat(width.saturating_sub(cell.chars().count()));
                if numeric {
                    let _ = write!(out, " {pad}{cell} |");
                } else {
                    let _ = write!(out, " {cell}{pad} |");
                }
            }
            writeln!(f, "{}", out.trim_end())
        };
        line(f, &HEADERS.map(str::to_owned))?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(f, "|-{}-|", rule.join("-|-"))?;
        for row in &cells {
            line(f, row)?;
        }
        Ok(())
    }
}

fn cells(row: &Row) -> [String; 11] {
    let notes = match (&row.failed, &row.skipped) {
        (Some(why), _) => format!("FAILED: {why}"),
        (None, Some(why)) => format!("skipped: {why}"),
        (None, None) => row.notes.clone(),
    };
    [
        row.scenario.clone(),
        row.count.map(thousands).unwrap_or_default(),
        row.rate.map(rate).unwrap_or_default(),
        row.p50_ms.map(ms).unwrap_or_default(),
        row.p99_ms.map(ms).unwrap_or_default(),
        row.max_ms.map(ms).unwrap_or_default(),
        row.rss_kib.map(mib).unwrap_or_default(),
        row.per_conn_kib.map(|k| format!("{k:.1}")).unwrap_or_default(),
        row.target.as_ref().map(|t| t.text.clone()).unwrap_or_default(),
        row.result().to_owned(),
        notes,
    ]
}

/// `1234567` → `1,234,567`.
#[must_use]
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn rate(r: f64) -> String {
    if r >= 100.0 { thousands(r.round() as u64) } else { format!("{r:.1}") }
}

fn ms(v: f64) -> String {
    if v >= 100.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

#[allow(clippy::cast_precision_loss)]
fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn table_is_aligned_and_shows_results() {
        let report = Report {
            machine: "machine: 2 cores".into(),
            rows: vec![
                Row {
                    id: "a".into(),
                    scenario: "consumer".into(),
                    count: Some(60_000),
                    rate: Some(123_456.7),
                    target: Some(Target { text: "≥ 100,000/s".into(), pass: true }),
                    ..Row::default()
                },
                Row {
                    id: "b".into(),
                    scenario: "fan-out 10,000 clients".into(),
                    p99_ms: Some(61.234),
                    rss_kib: Some(2048),
                    target: Some(Target { text: "p99 ≤ 50 ms".into(), pass: false }),
                    ..Row::default()
                },
                Row::skipped("c", "redis", "redis-server not found"),
            ],
        };
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert_eq!(lines[0], "machine: 2 cores");
        let width = lines[1].chars().count();
        assert!(lines[1..].iter().all(|l| l.chars().count() == width), "{text}");
        assert!(lines[3].contains("123,457") && lines[3].contains("PASS"), "{text}");
        assert!(lines[4].contains("61.23") && lines[4].contains("2.0") && lines[4].contains("MISS"), "{text}");
        assert!(lines[5].contains("SKIP") && lines[5].contains("skipped: redis-server not found"), "{text}");
        assert!(!report.all_targets_met());
        assert_eq!(report.row("b").map(Row::result), Some("MISS"));
    }
}
