//! `LiveMatchSpec`: what a user asks for, and the `LiveMatch` custom
//! resource derived from it.
//!
//! The doc comments of every field here are the descriptions in the
//! generated OpenAPI schema, which is what `kubectl explain livematch.spec`
//! prints: write them for the person writing a manifest.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kafka::KafkaSpec;
use crate::source::MatchSource;
use crate::status::LiveMatchStatus;
use crate::workers::{ConsumersSpec, WorkersSpec};

/// API group of the `LiveMatch` resource.
pub const GROUP: &str = "livematch.dev";
/// API version of the `LiveMatch` resource.
pub const VERSION: &str = "v1alpha1";
/// Kind of the `LiveMatch` resource.
pub const KIND: &str = "LiveMatch";
/// Plural (URL path segment) of the `LiveMatch` resource.
pub const PLURAL: &str = "livematches";
/// Short name: `kubectl get lm`.
pub const SHORT_NAME: &str = "lm";

/// One live match: the operator runs a producer that plays (simulates or
/// replays) the match into a Kafka topic, and consumers that fold the events
/// into Redis, from where the gateway streams them to browsers.
// Each `printcolumn(...)` repeats `type_ = ...`: not a duplicate, but clippy
// reads the `#[kube]` arguments as one attribute list.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
#[kube(
    group = "livematch.dev",
    version = "v1alpha1",
    kind = "LiveMatch",
    plural = "livematches",
    shortname = "lm",
    category = "livematch",
    namespaced,
    status = "LiveMatchStatus",
    derive = "PartialEq",
    doc = "A live sports match streamed by the livematch operator: a producer plays the match into a Kafka topic, consumers fold it into Redis, and the gateway streams it to browsers.",
    scale(
        spec_replicas_path = ".spec.consumers.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn(name = "Sport", type_ = "string", json_path = ".spec.sport", description = "The sport played"),
    printcolumn(
        name = "Format",
        type_ = "string",
        json_path = ".spec.format",
        description = "Match format (e.g. t20, knockout, nba, best_of_5)",
        priority = 1
    ),
    printcolumn(name = "Teams", type_ = "string", json_path = ".status.teams", description = "Home v away"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase", description = "Lifecycle phase"),
    printcolumn(name = "Score", type_ = "string", json_path = ".status.summary", description = "Live score summary"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.ready",
        description = "Ready/desired consumer replicas"
    ),
    printcolumn(
        name = "Seq",
        type_ = "integer",
        json_path = ".status.lastSeq",
        description = "Sequence number of the last event folded into Redis",
        priority = 1
    ),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
pub struct LiveMatchSpec {
    /// The sport played: `cricket`, `football`, `basketball` or `tennis`.
    /// Only cricket matches can be replayed; the other sports are simulated.
    pub sport: Sport,

    /// Match format, one of the sport's (the first is the default when
    /// unset): cricket `t20` (20 overs a side) or `odi` (50 overs);
    /// football `league` (90 minutes, a draw stands) or `knockout` (extra
    /// time and penalties when level); basketball `nba` (4 x 12 minutes,
    /// 6 fouls) or `fiba` (4 x 10 minutes, 5 fouls); tennis `best_of_3`,
    /// `best_of_5` (a tiebreak to 10 at 6-6 in the fifth set) or
    /// `best_of_3_match_tiebreak` (the third set is a match tiebreak to 10).
    /// A replay takes its format from the recorded match, so leave this
    /// unset for a replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = crate::schema::field_doc_wins)]
    pub format: Option<MatchFormat>,

    /// The two sides of a simulated match (teams, or players in tennis).
    /// Unset: the simulator picks two sides from its pool (by the seed). A replay takes its teams from the
    /// recorded match, so leave this unset for a replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<Teams>,

    /// Where the match comes from: set exactly one of `simulate` (the seeded
    /// simulator) or `replay` (a recorded match).
    pub source: MatchSource,

    /// Pace of play as a multiple of real time: 1 plays at the real pace of a
    /// match (a cricket ball or a tennis point about every 35 s), 60 a
    /// minute of play per second, 0 as fast as possible.
    #[serde(default = "default_speed")]
    #[schemars(range(min = 0.0))]
    pub speed: f64,

    /// Settings of the match's Kafka topic (applied when the topic is created).
    #[serde(default)]
    pub kafka: KafkaSpec,

    /// The consumers that fold the match's events into Redis. The scale
    /// subresource maps to `consumers.replicas` (`kubectl scale lm/NAME --replicas=3`).
    #[serde(default)]
    pub consumers: ConsumersSpec,

    /// Worker (producer and consumer) container and pod settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<WorkersSpec>,

    /// Pause the match: the producer stops (and resumes where it left off
    /// when set back to false); consumers keep serving what was played.
    #[serde(default)]
    pub paused: bool,
}

/// Default pace: real time.
pub(crate) fn default_speed() -> f64 {
    1.0
}

/// The sports livematch plays.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sport {
    /// Cricket (T20 and ODI), simulated or replayed.
    Cricket,
    /// Football (league and knockout), simulated.
    Football,
    /// Basketball (NBA and FIBA rules), simulated.
    Basketball,
    /// Tennis (best of 3 or 5 sets), simulated.
    Tennis,
}

impl Sport {
    /// Every sport.
    pub const ALL: [Sport; 4] = [Sport::Cricket, Sport::Football, Sport::Basketball, Sport::Tennis];

    /// The name used in manifests, events and printer columns.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Sport::Cricket => "cricket",
            Sport::Football => "football",
            Sport::Basketball => "basketball",
            Sport::Tennis => "tennis",
        }
    }

    /// The formats this sport can be played in; the first is the default.
    #[must_use]
    pub fn formats(self) -> &'static [MatchFormat] {
        match self {
            Sport::Cricket => &[MatchFormat::T20, MatchFormat::Odi],
            Sport::Football => &[MatchFormat::League, MatchFormat::Knockout],
            Sport::Basketball => &[MatchFormat::Nba, MatchFormat::Fiba],
            Sport::Tennis => &[MatchFormat::BestOf3, MatchFormat::BestOf5, MatchFormat::BestOf3MatchTiebreak],
        }
    }

    /// The format a simulated match of this sport is played in when
    /// `spec.format` is unset.
    #[must_use]
    pub fn default_format(self) -> Option<MatchFormat> {
        self.formats().first().copied()
    }

    /// Whether a match of this sport can be replayed from a recording
    /// (Cricsheet files exist for cricket only).
    #[must_use]
    pub fn can_replay(self) -> bool {
        self == Sport::Cricket
    }
}

impl std::fmt::Display for Sport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A match format. Each belongs to one sport ([`MatchFormat::sport`]); the
/// names are those of the workers' `--format` flag.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
pub enum MatchFormat {
    /// Twenty20 cricket: 20 overs a side.
    #[serde(rename = "t20")]
    T20,
    /// One Day International cricket: 50 overs a side.
    #[serde(rename = "odi")]
    Odi,
    /// Football: 90 minutes, a draw stands.
    #[serde(rename = "league")]
    League,
    /// Football: level after 90 minutes goes to extra time, then penalties.
    #[serde(rename = "knockout")]
    Knockout,
    /// Basketball: four 12-minute quarters, 6 fouls to foul out.
    #[serde(rename = "nba")]
    Nba,
    /// Basketball: four 10-minute quarters, 5 fouls to foul out.
    #[serde(rename = "fiba")]
    Fiba,
    /// Tennis: best of 3 sets, a tiebreak to 7 at 6-6 in every set.
    #[serde(rename = "best_of_3")]
    BestOf3,
    /// Tennis: best of 5 sets, a tiebreak to 7 at 6-6, to 10 in the fifth set.
    #[serde(rename = "best_of_5")]
    BestOf5,
    /// Tennis: best of 3 sets, the third played as a match tiebreak to 10.
    #[serde(rename = "best_of_3_match_tiebreak")]
    BestOf3MatchTiebreak,
}

impl MatchFormat {
    /// Every format, grouped by sport.
    pub const ALL: [MatchFormat; 9] = [
        MatchFormat::T20,
        MatchFormat::Odi,
        MatchFormat::League,
        MatchFormat::Knockout,
        MatchFormat::Nba,
        MatchFormat::Fiba,
        MatchFormat::BestOf3,
        MatchFormat::BestOf5,
        MatchFormat::BestOf3MatchTiebreak,
    ];

    /// The name used in manifests and on the workers' command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MatchFormat::T20 => "t20",
            MatchFormat::Odi => "odi",
            MatchFormat::League => "league",
            MatchFormat::Knockout => "knockout",
            MatchFormat::Nba => "nba",
            MatchFormat::Fiba => "fiba",
            MatchFormat::BestOf3 => "best_of_3",
            MatchFormat::BestOf5 => "best_of_5",
            MatchFormat::BestOf3MatchTiebreak => "best_of_3_match_tiebreak",
        }
    }

    /// The sport this format is a format of.
    #[must_use]
    pub fn sport(self) -> Sport {
        match self {
            MatchFormat::T20 | MatchFormat::Odi => Sport::Cricket,
            MatchFormat::League | MatchFormat::Knockout => Sport::Football,
            MatchFormat::Nba | MatchFormat::Fiba => Sport::Basketball,
            MatchFormat::BestOf3 | MatchFormat::BestOf5 | MatchFormat::BestOf3MatchTiebreak => Sport::Tennis,
        }
    }
}

impl std::fmt::Display for MatchFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The two sides of a match.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Teams {
    /// The home side (in tennis, the first player named; the simulated toss
    /// decides who bats or serves first).
    #[schemars(length(min = 1, max = 64))]
    pub home: String,
    /// The away side; must differ from `home`.
    #[schemars(length(min = 1, max = 64))]
    pub away: String,
}

impl Teams {
    /// "Home v Away", as shown in the printer column.
    #[must_use]
    pub fn display(&self) -> String {
        format!("{} v {}", self.home.trim(), self.away.trim())
    }
}

impl LiveMatchSpec {
    /// The format the match is played in: `spec.format`, or the sport's
    /// default for a simulated match; `None` for a replay without a format
    /// (the recorded match decides).
    #[must_use]
    pub fn effective_format(&self) -> Option<MatchFormat> {
        match (&self.source, self.format) {
            (_, Some(format)) => Some(format),
            (MatchSource::Simulate(_), None) => self.sport.default_format(),
            (MatchSource::Replay(_), None) => None,
        }
    }

    /// Worker settings, or the defaults when `spec.workers` is unset.
    #[must_use]
    pub fn workers_or_default(&self) -> WorkersSpec {
        self.workers.clone().unwrap_or_default()
    }
}
