//! The chaos table: one row per scenario.

use std::fmt::{self, Write as _};
use std::time::Duration;

use livematch_workers::bench::table::thousands;

use super::Scenario;
use super::check::Tally;

/// What one scenario found.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub scenario: String,
    /// Faults injected (each a trial).
    pub trials: usize,
    pub tally: Tally,
    /// One recovery time per trial or per affected viewer (see
    /// `docs/guarantees.md` for each scenario's definition).
    pub recovery: Vec<Duration>,
    /// Highest resident memory of a gateway during the scenario (KiB).
    pub peak_rss_kib: Option<u64>,
    /// How long the scenario ran.
    pub elapsed: Duration,
    /// What went wrong: any entry fails the row.
    pub failures: Vec<String>,
    /// Other figures (latencies, close codes, resets...).
    pub notes: Vec<String>,
}

impl Row {
    /// An empty row for a scenario.
    #[must_use]
    pub fn new(scenario: Scenario) -> Self {
        Row { scenario: scenario.name().to_owned(), ..Row::default() }
    }

    /// PASS: no failure, nothing lost, nothing duplicated.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.tally.lost == 0 && self.tally.duplicated == 0
    }

    /// Record a failure when `ok` is false.
    pub fn expect(&mut self, ok: bool, failure: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(failure());
        }
    }

    /// The `q` quantile (0..=1) of the recovery times.
    #[must_use]
    pub fn recovery_quantile(&self, q: f64) -> Option<Duration> {
        quantile(&self.recovery, q)
    }
}

/// The `q` quantile (nearest rank) of some durations.
#[must_use]
pub fn quantile(values: &[Duration], q: f64) -> Option<Duration> {
    let mut sorted = values.to_vec();
    sorted.sort();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let rank = ((q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize).max(1);
    sorted.get(rank - 1).copied()
}

/// A whole chaos run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The machine and the settings.
    pub header: String,
    pub rows: Vec<Row>,
}

impl Report {
    /// True when every row passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.rows.iter().all(Row::passed)
    }

    /// The row of a scenario.
    #[must_use]
    pub fn row(&self, scenario: Scenario) -> Option<&Row> {
        self.rows.iter().find(|r| r.scenario == scenario.name())
    }
}

const HEADERS: [&str; 10] = [
    "scenario",
    "trials",
    "events checked",
    "lost",
    "duplicated",
    "recovery p50 / max",
    "peak gateway RSS",
    "time",
    "result",
    "notes",
];
const NUMERIC: [bool; 10] = [false, true, true, true, true, true, true, true, false, false];

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.header)?;
        let cells: Vec<[String; 10]> = self.rows.iter().map(cells).collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for row in &cells {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, row: &[String; 10]| -> fmt::Result {
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
        for row in self.rows.iter().filter(|r| !r.failures.is_empty()) {
            writeln!(f, "\n{} failed:", row.scenario)?;
            for failure in &row.failures {
                writeln!(f, "  - {failure}")?;
            }
        }
        Ok(())
    }
}

fn cells(row: &Row) -> [String; 10] {
    let recovery = match (row.recovery_quantile(0.5), row.recovery_quantile(1.0)) {
        (Some(p50), Some(max)) => format!("{} / {}", seconds(p50), seconds(max)),
        _ => "-".to_owned(),
    };
    #[allow(clippy::cast_precision_loss)]
    let rss = row.peak_rss_kib.map_or_else(|| "-".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    [
        row.scenario.clone(),
        row.trials.to_string(),
        thousands(row.tally.checked),
        thousands(row.tally.lost),
        thousands(row.tally.duplicated),
        recovery,
        rss,
        seconds(row.elapsed),
        if row.passed() { "PASS" } else { "FAIL" }.to_owned(),
        row.notes.join("; "),
    ]
}

/// `1.234 s`, or `56 ms` below a second.
#[must_use]
pub fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) { format!("{} ms", d.as_millis()) } else { format!("{:.2} s", d.as_secs_f64()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let ms = |v: u64| Duration::from_millis(v);
        let values: Vec<Duration> = [5, 1, 4, 2, 3].into_iter().map(ms).collect();
        assert_eq!(quantile(&values, 0.5), Some(ms(3)));
        assert_eq!(quantile(&values, 1.0), Some(ms(5)));
        assert_eq!(quantile(&values, 0.0), Some(ms(1)));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn table_shows_counts_and_results() {
        let mut good = Row::new(Scenario::ConsumerKill);
        good.trials = 20;
        good.tally = Tally { checked: 12_345, lost: 0, duplicated: 0 };
        good.recovery = vec![Duration::from_millis(800), Duration::from_millis(6_500)];
        good.peak_rss_kib = Some(20_480);
        let mut bad = Row::new(Scenario::RedisLoss);
        bad.tally.lost = 3;
        bad.failures.push("viewer 2 ended at seq 5".into());
        let report = Report { header: "chaos".into(), rows: vec![good, bad] };
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[3].contains("consumer-kill") && lines[3].contains("12,345") && lines[3].contains("PASS"),
            "{text}"
        );
        assert!(lines[3].contains("800 ms / 6.50 s") && lines[3].contains("20.0 MiB"), "{text}");
        assert!(lines[4].contains("redis-loss") && lines[4].contains("FAIL"), "{text}");
        assert!(text.contains("viewer 2 ended at seq 5"), "{text}");
        assert_eq!(lines[1].chars().count(), lines[3].chars().count(), "{text}");
        assert!(!report.passed());
    }
}
