//! Match formats of every sport, by name: what a simulated match is played
//! as (`spec.format` in the CRD, `--format` for the producer).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::envelope::Sport;

/// A match format. Each belongs to exactly one sport ([`Format::sport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// Cricket: 20 overs a side.
    #[serde(rename = "t20")]
    T20,
    /// Cricket: 50 overs a side.
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
    /// Tennis: best of 3 sets, tiebreak to 7 at 6–6 in every set.
    #[serde(rename = "best_of_3")]
    BestOf3,
    /// Tennis: best of 5 sets, tiebreak to 7 at 6–6, to 10 in the fifth set.
    #[serde(rename = "best_of_5")]
    BestOf5,
    /// Tennis: best of 3 sets, the third set played as a match tiebreak to 10.
    #[serde(rename = "best_of_3_match_tiebreak")]
    BestOf3MatchTiebreak,
}

impl Format {
    /// Every format, grouped by sport.
    pub const ALL: [Format; 9] = [
        Format::T20,
        Format::Odi,
        Format::League,
        Format::Knockout,
        Format::Nba,
        Format::Fiba,
        Format::BestOf3,
        Format::BestOf5,
        Format::BestOf3MatchTiebreak,
    ];

    /// The name used in manifests and flags.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::T20 => "t20",
            Format::Odi => "odi",
            Format::League => "league",
            Format::Knockout => "knockout",
            Format::Nba => "nba",
            Format::Fiba => "fiba",
            Format::BestOf3 => "best_of_3",
            Format::BestOf5 => "best_of_5",
            Format::BestOf3MatchTiebreak => "best_of_3_match_tiebreak",
        }
    }

    /// The sport this format is a format of.
    #[must_use]
    pub fn sport(self) -> Sport {
        match self {
            Format::T20 | Format::Odi => Sport::Cricket,
            Format::League | Format::Knockout => Sport::Football,
            Format::Nba | Format::Fiba => Sport::Basketball,
            Format::BestOf3 | Format::BestOf5 | Format::BestOf3MatchTiebreak => Sport::Tennis,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a known format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown match format {0:?} (known: t20, odi, league, knockout, nba, fiba, best_of_3, best_of_5, best_of_3_match_tiebreak)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Format::ALL.into_iter().find(|f| f.as_str() == s).ok_or(UnknownFormat(s))
    }
}

impl Sport {
    /// The formats this sport is played in.
    #[must_use]
    pub fn formats(self) -> &'static [Format] {
        match self {
            Sport::Cricket => &[Format::T20, Format::Odi],
            Sport::Football => &[Format::League, Format::Knockout],
            Sport::Basketball => &[Format::Nba, Format::Fiba],
            Sport::Tennis => &[Format::BestOf3, Format::BestOf5, Format::BestOf3MatchTiebreak],
        }
    }

    /// The format a match is played in when none is given.
    #[must_use]
    pub fn default_format(self) -> Format {
        self.formats()[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_round_trips_and_belongs_to_its_sport() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
            assert_eq!(serde_json::to_value(f).ok(), Some(serde_json::Value::from(f.as_str())));
            assert!(f.sport().formats().contains(&f), "{f}");
        }
        for s in Sport::ALL {
            assert_eq!(s.default_format().sport(), s);
        }
        assert_eq!("Best-Of-5".parse::<Format>(), Ok(Format::BestOf5));
        assert!("bo7".parse::<Format>().is_err());
    }
}
