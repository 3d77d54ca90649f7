//! Checks of a `LiveMatchSpec` that the OpenAPI schema cannot express
//! (Kubernetes 1.20 has no CEL rules): cross-field rules, blank strings, and
//! the schema's ranges again for objects stored before a schema change.
//!
//! The operator reports failures as a `Degraded` condition with reason
//! `InvalidSpec` and the messages joined by [`describe`]; each message starts
//! with the path of the field at fault.

use crate::kafka::{MAX_PARTITIONS, MAX_REPLICATION_FACTOR, RetentionError};
use crate::source::MatchSource;
use crate::spec::{LiveMatchSpec, MatchFormat, Sport};
use crate::workers::{MAX_CONSUMER_REPLICAS, RESERVED_LABEL_PREFIXES, is_reserved_label};

/// Bounds of `spec.kafka.partitions`.
pub const PARTITIONS: (i32, i32) = (1, MAX_PARTITIONS);
/// Bounds of `spec.kafka.replicationFactor`.
pub const REPLICATION_FACTOR: (i32, i32) = (1, MAX_REPLICATION_FACTOR);
/// Bounds of `spec.consumers.replicas`.
pub const CONSUMER_REPLICAS: (i32, i32) = (0, MAX_CONSUMER_REPLICAS);

/// One thing wrong with a spec.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    /// `spec.format` is not one of the sport's formats.
    #[error("spec.format: {sport} cannot be played as {format} (formats of {sport}: {allowed})")]
    Format {
        /// The sport played.
        sport: Sport,
        /// The refused format.
        format: MatchFormat,
        /// The sport's formats, comma-separated.
        allowed: String,
    },
    /// A team name is empty or only spaces.
    #[error("spec.teams.{side}: must not be blank")]
    BlankTeam {
        /// `home` or `away`.
        side: &'static str,
    },
    /// Both teams have the same name.
    #[error("spec.teams: home and away must differ (both are {name:?})")]
    SameTeams {
        /// The shared name.
        name: String,
    },
    /// A replay of a sport that has no recordings (only cricket has).
    #[error(
        "spec.source.replay: only cricket matches can be replayed (Cricsheet files); simulate the {sport} match with spec.source.simulate"
    )]
    ReplayNotSupported {
        /// The sport played.
        sport: Sport,
    },
    /// A field the recorded match decides was set for a replay.
    #[error("spec.{field}: a replay takes its {field} from the recorded match; remove spec.{field}")]
    SetForReplay {
        /// `format` or `teams`.
        field: &'static str,
    },
    /// `spec.speed` is negative or not a number.
    #[error("spec.speed: must be a number >= 0 (0 = as fast as possible), got {speed}")]
    Speed {
        /// The refused speed.
        speed: f64,
    },
    /// An integer outside its bounds.
    #[error("{field}: must be between {min} and {max}, got {value}")]
    OutOfRange {
        /// Path of the field.
        field: &'static str,
        /// Smallest allowed value.
        min: i32,
        /// Largest allowed value.
        max: i32,
        /// The refused value.
        value: i32,
    },
    /// `spec.kafka.retention` does not parse.
    #[error("spec.kafka.retention: {0}")]
    Retention(#[source] RetentionError),
    /// A string that must hold something is blank.
    #[error("{field}: must not be blank")]
    Blank {
        /// Path of the field.
        field: &'static str,
    },
    /// A pod label the operator owns.
    #[error("spec.workers.podOverrides.labels: {key:?} is reserved for the operator (keys under {prefixes})")]
    ReservedLabel {
        /// The refused label key.
        key: String,
        /// The reserved prefixes, comma-separated.
        prefixes: String,
    },
}

impl SpecError {
    /// Stable short category for metrics and Events.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            SpecError::Format { .. } => "format",
            SpecError::BlankTeam { .. } => "blank_team",
            SpecError::SameTeams { .. } => "same_teams",
            SpecError::ReplayNotSupported { .. } => "replay_not_supported",
            SpecError::SetForReplay { .. } => "set_for_replay",
            SpecError::Speed { .. } => "speed",
            SpecError::OutOfRange { .. } => "out_of_range",
            SpecError::Retention(_) => "retention",
            SpecError::Blank { .. } => "blank",
            SpecError::ReservedLabel { .. } => "reserved_label",
        }
    }
}

/// All the messages, joined for a condition message or an Event.
#[must_use]
pub fn describe(errors: &[SpecError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl LiveMatchSpec {
    /// Check what the schema cannot. Returns every problem found, each
    /// naming the field at fault, or `Ok` for a spec the operator can play.
    ///
    /// # Errors
    /// The list of [`SpecError`]s, in field order.
    pub fn validate(&self) -> Result<(), Vec<SpecError>> {
        let mut errors = Vec::new();
        self.check_format_and_teams(&mut errors);
        if !self.speed.is_finite() || self.speed < 0.0 {
            errors.push(SpecError::Speed { speed: self.speed });
        }
        if let MatchSource::Replay(crate::source::ReplaySource::Url(url)) = &self.source
            && url.trim().is_empty()
        {
            errors.push(SpecError::Blank { field: "spec.source.replay.url" });
        }
        range(&mut errors, "spec.kafka.partitions", PARTITIONS, self.kafka.partitions);
        range(&mut errors, "spec.kafka.replicationFactor", REPLICATION_FACTOR, self.kafka.replication_factor);
        if let Err(e) = self.kafka.retention_ms() {
            errors.push(SpecError::Retention(e));
        }
        range(&mut errors, "spec.consumers.replicas", CONSUMER_REPLICAS, self.consumers.replicas);
        self.check_workers(&mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    fn check_format_and_teams(&self, errors: &mut Vec<SpecError>) {
        let replay = matches!(self.source, MatchSource::Replay(_));
        if replay && !self.sport.can_replay() {
            errors.push(SpecError::ReplayNotSupported { sport: self.sport });
        }
        if let Some(format) = self.format {
            let formats = self.sport.formats();
            if replay {
                errors.push(SpecError::SetForReplay { field: "format" });
            } else if !formats.contains(&format) {
                let allowed = formats.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ");
                errors.push(SpecError::Format { sport: self.sport, format, allowed });
            }
        }
        if let Some(teams) = &self.teams {
            if replay {
                errors.push(SpecError::SetForReplay { field: "teams" });
            }
            let (home, away) = (teams.home.trim(), teams.away.trim());
            if home.is_empty() {
                errors.push(SpecError::BlankTeam { side: "home" });
            }
            if away.is_empty() {
                errors.push(SpecError::BlankTeam { side: "away" });
            }
            if !home.is_empty() && home.eq_ignore_ascii_case(away) {
                errors.push(SpecError::SameTeams { name: home.to_owned() });
            }
        }
    }

    fn check_workers(&self, errors: &mut Vec<SpecError>) {
        let Some(workers) = &self.workers else { return };
        if workers.image.as_deref().is_some_and(|image| image.trim().is_empty()) {
            errors.push(SpecError::Blank { field: "spec.workers.image" });
        }
        let Some(pod) = &workers.pod_overrides else { return };
        for key in pod.labels.keys().filter(|key| is_reserved_label(key)) {
            errors.push(SpecError::ReservedLabel { key: key.clone(), prefixes: RESERVED_LABEL_PREFIXES.join(", ") });
        }
        if pod.service_account_name.as_deref().is_some_and(|name| name.trim().is_empty()) {
            errors.push(SpecError::Blank { field: "spec.workers.podOverrides.serviceAccountName" });
        }
    }
}

fn range(errors: &mut Vec<SpecError>, field: &'static str, (min, max): (i32, i32), value: i32) {
    if !(min..=max).contains(&value) {
        errors.push(SpecError::OutOfRange { field, min, max, value });
    }
}
