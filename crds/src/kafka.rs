//! `spec.kafka`: settings of the match's Kafka topic.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Pattern of `spec.kafka.retention`: a whole number (at most 10 digits, so
/// any match fits `retention.ms`) and one unit.
pub const RETENTION_PATTERN: &str = r"^[0-9]{1,10}(ms|s|m|h|d|w)$";
/// Most partitions a match topic may have.
pub const MAX_PARTITIONS: i32 = 64;
/// Largest replication factor a match topic may ask for.
pub const MAX_REPLICATION_FACTOR: i32 = 5;

/// Settings of the match's Kafka topic, applied when the topic is created.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KafkaSpec {
    /// Partitions of the match topic. Events of one match keep their order
    /// whatever the count (they share a key, so one partition holds them);
    /// more partitions only matter when matches share a topic.
    #[serde(default = "default_partitions")]
    #[schemars(range(min = 1, max = MAX_PARTITIONS))]
    pub partitions: i32,

    /// Replication factor of the match topic; at most the number of brokers.
    #[serde(default = "default_replication_factor")]
    #[schemars(range(min = 1, max = MAX_REPLICATION_FACTOR))]
    pub replication_factor: i32,

    /// How long the topic keeps events: a whole number and a unit, one of
    /// `ms`, `s`, `m`, `h`, `d`, `w` (e.g. `7d`, `12h`). Unset: the broker's
    /// default. Viewers joining after the retention only get the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(RETENTION_PATTERN))]
    pub retention: Option<String>,
}

fn default_partitions() -> i32 {
    1
}

fn default_replication_factor() -> i32 {
    1
}

impl Default for KafkaSpec {
    fn default() -> Self {
        KafkaSpec {
            partitions: default_partitions(),
            replication_factor: default_replication_factor(),
            retention: None,
        }
    }
}

/// Why a retention string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    /// Not a whole number followed by one of the units.
    #[error("{value:?} is not a duration like 7d, 12h, 30m, 90s, 500ms or 2w")]
    Syntax {
        /// The refused value.
        value: String,
    },
    /// A duration longer than Kafka's `retention.ms` can hold.
    #[error("{value:?} is too long for retention.ms")]
    TooLong {
        /// The refused value.
        value: String,
    },
}

impl RetentionError {
    /// Stable short category for metrics and Events.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            RetentionError::Syntax { .. } => "retention_syntax",
            RetentionError::TooLong { .. } => "retention_too_long",
        }
    }
}

/// Parse a retention (`7d`, `12h`, `500ms`...) into milliseconds, the value
/// of the topic's `retention.ms`.
///
/// # Errors
/// [`RetentionError::Syntax`] when it is not a number and one unit of
/// `ms s m h d w`; [`RetentionError::TooLong`] when it overflows an `i64`.
pub fn parse_retention_ms(value: &str) -> Result<i64, RetentionError> {
    let syntax = || RetentionError::Syntax { value: value.to_owned() };
    let digits_end = value.find(|c: char| !c.is_ascii_digit()).ok_or_else(syntax)?;
    let (number, unit) = value.split_at(digits_end);
    if number.is_empty() {
        return Err(syntax());
    }
    let unit_ms: i64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => return Err(syntax()),
    };
    let too_long = || RetentionError::TooLong { value: value.to_owned() };
    let number: i64 = number.parse().map_err(|_| too_long())?;
    number.checked_mul(unit_ms).ok_or_else(too_long)
}

impl KafkaSpec {
    /// `retention.ms` for the topic: `None` keeps the broker's default.
    ///
    /// # Errors
    /// The retention string does not parse (see [`parse_retention_ms`]).
    pub fn retention_ms(&self) -> Result<Option<i64>, RetentionError> {
        self.retention.as_deref().map(parse_retention_ms).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_retention_ms("500ms"), Ok(500));
        assert_eq!(parse_retention_ms("90s"), Ok(90_000));
        assert_eq!(parse_retention_ms("30m"), Ok(1_800_000));
        assert_eq!(parse_retention_ms("12h"), Ok(43_200_000));
        assert_eq!(parse_retention_ms("7d"), Ok(604_800_000));
        assert_eq!(parse_retention_ms("2w"), Ok(1_209_600_000));
        assert_eq!(parse_retention_ms("0s"), Ok(0));
    }

    #[test]
    fn refuses_bad_syntax() {
        for bad in ["", "7", "d", "7 d", "7days", "1h30m", "-1d", "7D", "1.5h"] {
            let err = parse_retention_ms(bad).expect_err(bad);
            assert_eq!(err.metric_label(), "retention_syntax", "{bad}: {err}");
            assert!(err.to_string().contains("like 7d"), "{err}");
        }
    }

    #[test]
    fn refuses_overflow() {
        let err = parse_retention_ms("999999999999999w").expect_err("overflow");
        assert_eq!(err, RetentionError::TooLong { value: "999999999999999w".into() });
        let err = parse_retention_ms("99999999999999999999s").expect_err("overflow");
        assert_eq!(err.metric_label(), "retention_too_long");
    }

    #[test]
    fn pattern_and_parser_agree_on_samples() {
        // The schema pattern limits the number to 10 digits, so anything the
        // API server lets through fits retention.ms (an i64).
        assert!(parse_retention_ms("9999999999w").is_ok());
        let spec = KafkaSpec { retention: Some("1d".into()), ..KafkaSpec::default() };
        assert_eq!(spec.retention_ms(), Ok(Some(86_400_000)));
        assert_eq!(KafkaSpec::default().retention_ms(), Ok(None));
    }
}
