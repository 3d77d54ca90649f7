//! What `/proc` tells about a process (resident memory, CPU time) and about
//! the machine (cores, CPU model, memory), Linux only; `None` elsewhere.

use std::time::Duration;

/// Clock ticks per second of `/proc/PID/stat` times (`USER_HZ`, 100 on
/// every Linux architecture livematch runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// Resident set size of a process in KiB (`VmRSS` of `/proc/PID/status`).
#[must_use]
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_field_kib(&status, "VmRSS:")
}

/// A `kB` field of `/proc/PID/status` text.
fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// User plus system CPU time a process has used so far.
#[must_use]
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_cpu(&stat)
}

/// Fields 14 and 15 (utime, stime) of `/proc/PID/stat`, counted after the
/// command name, which may itself contain spaces and parentheses.
fn stat_cpu(stat: &str) -> Option<Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    #[allow(clippy::cast_precision_loss)]
    Some(Duration::from_secs_f64((utime + stime) as f64 / TICKS_PER_SECOND))
}

/// CPU use between two readings as a percentage of one core.
#[must_use]
pub fn cpu_percent(before: Option<Duration>, after: Option<Duration>, wall: Duration) -> Option<f64> {
    let used = after?.checked_sub(before?)?;
    (wall > Duration::ZERO).then(|| 100.0 * used.as_secs_f64() / wall.as_secs_f64())
}

/// One line about where the numbers come from: cores, CPU, memory, build.
#[must_use]
pub fn machine_line() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| status_field_kib(&text, "MemTotal:"))
        .map_or_else(|| "unknown memory".to_owned(), |kib| format!("{} GiB", kib / (1024 * 1024)));
    let build = if cfg!(debug_assertions) { "DEBUG build: numbers are not representative" } else { "release build" };
    format!("machine: {cores} cores ({cpu}), {memory}; {build}")
}

/// The 1-minute load average (`/proc/loadavg`): how busy the machine was
/// with other work too.
#[must_use]
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_parse() {
        let status = "Name:\tlivematch\nVmHWM:\t  20480 kB\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(status_field_kib(status, "VmRSS:"), Some(12_345));
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(20_480));
        assert_eq!(status_field_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn stat_cpu_skips_odd_command_names() {
        let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 3 0 1000";
        assert_eq!(stat_cpu(stat), Some(Duration::from_secs(3)));
    }

    #[test]
    fn own_process_is_readable() {
        let pid = std::process::id();
        assert!(rss_kib(pid).is_some_and(|k| k > 0));
        assert!(cpu_time(pid).is_some());
        assert_eq!(
            cpu_percent(Some(Duration::from_secs(1)), Some(Duration::from_secs(2)), Duration::from_secs(2)),
            Some(50.0)
        );
        assert!(machine_line().contains("cores"));
        assert!(load_average().is_some_and(|l| l >= 0.0));
    }
}
