//! One entry point to simulate a match of any sport, as envelope
//! [`Event`]s: what a producer needs.
//!
//! ```
//! use livematch_sports::sim::{simulate, SimSpec};
//! use livematch_sports::{Format, Sport};
//!
//! let events = simulate(&SimSpec::new(Sport::Tennis, 42).format(Format::BestOf5)).unwrap();
//! assert!(events.iter().all(|e| e.sport() == Sport::Tennis));
//! ```

pub(crate) mod draw;

use crate::envelope::{Event, Sport};
use crate::format::Format;
use crate::{basketball, cricket, football, tennis};

/// What to simulate, whatever the sport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSpec {
    pub sport: Sport,
    /// None: the sport's default ([`Sport::default_format`]).
    pub format: Option<Format>,
    /// Same spec: same match, event for event.
    pub seed: u64,
    /// The two sides (teams, or players in tennis); None: chosen from the seed.
    pub teams: Option<(String, String)>,
}

impl SimSpec {
    /// A match of `sport` in its default format between sides chosen from the seed.
    #[must_use]
    pub fn new(sport: Sport, seed: u64) -> Self {
        SimSpec { sport, format: None, seed, teams: None }
    }

    /// The same spec in `format`.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// The same spec between the named sides.
    #[must_use]
    pub fn with_teams(mut self, a: impl Into<String>, b: impl Into<String>) -> Self {
        self.teams = Some((a.into(), b.into()));
        self
    }
}

/// Why a spec cannot be simulated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("{format} is a {} format, not a {sport} one (formats: {})", format.sport(), formats(*sport))]
    WrongFormat { sport: Sport, format: Format },
    #[error("a team name is empty")]
    EmptyTeamName,
    #[error("both sides are called {name:?}")]
    SameTeam { name: String },
}

fn formats(sport: Sport) -> String {
    let names: Vec<&str> = sport.formats().iter().map(|f| f.as_str()).collect();
    names.join(", ")
}

impl SimError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            SimError::WrongFormat { .. } => "wrong_format",
            SimError::EmptyTeamName => "empty_team_name",
            SimError::SameTeam { .. } => "same_team",
        }
    }
}

/// Check a spec: the format belongs to the sport, the two names are not
/// empty and not the same (ignoring case).
///
/// # Errors
/// See [`SimError`].
pub fn validate(spec: &SimSpec) -> Result<Format, SimError> {
    let format = spec.format.unwrap_or_else(|| spec.sport.default_format());
    if format.sport() != spec.sport {
        return Err(SimError::WrongFormat { sport: spec.sport, format });
    }
    if let Some((a, b)) = &spec.teams {
        if a.trim().is_empty() || b.trim().is_empty() {
            return Err(SimError::EmptyTeamName);
        }
        if a.trim().eq_ignore_ascii_case(b.trim()) {
            return Err(SimError::SameTeam { name: a.trim().to_string() });
        }
    }
    Ok(format)
}

/// Simulate a whole match of any sport (see each sport's `sim` module).
///
/// # Errors
/// An invalid spec ([`validate`]).
pub fn simulate(spec: &SimSpec) -> Result<Vec<Event>, SimError> {
    let format = validate(spec)?;
    let teams = spec.teams.clone();
    let seed = spec.seed;
    Ok(match format {
        Format::T20 | Format::Odi => {
            let f = if format == Format::T20 { cricket::Format::T20 } else { cricket::Format::Odi };
            let config = cricket::sim::SimConfig { format: f, seed, teams };
            cricket::sim::simulate(&config).into_iter().map(Event::Cricket).collect()
        }
        Format::League | Format::Knockout => {
            let config = football::sim::SimConfig { seed, teams, knockout: format == Format::Knockout };
            football::sim::simulate(&config).into_iter().map(Event::Football).collect()
        }
        Format::Nba | Format::Fiba => {
            let rules = if format == Format::Nba { basketball::Ruleset::Nba } else { basketball::Ruleset::Fiba };
            let config = basketball::sim::SimConfig { seed, teams, rules };
            basketball::sim::simulate(&config).into_iter().map(Event::Basketball).collect()
        }
        Format::BestOf3 | Format::BestOf5 | Format::BestOf3MatchTiebreak => {
            let (best_of, final_set) = match format {
                Format::BestOf5 => (5, tennis::FinalSet::LongTiebreak),
                Format::BestOf3MatchTiebreak => (3, tennis::FinalSet::MatchTiebreak),
                _ => (3, tennis::FinalSet::Tiebreak),
            };
            let config = tennis::sim::SimConfig { seed, players: teams, best_of, final_set };
            tennis::sim::simulate(&config).into_iter().map(Event::Tennis).collect()
        }
    })
}
