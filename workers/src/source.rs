//! Where a match's events come from: the simulator or a recorded match.

use std::path::PathBuf;

use livematch_sports::Sport;
use livematch_sports::cricket::{self, Format};

/// A match source, as given on the command line or in a LiveMatch spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Generate a match with the seeded simulator.
    Simulate { format: Format, seed: u64, teams: Option<(String, String)> },
    /// Replay a recorded match (a Cricsheet JSON file).
    Replay { path: PathBuf },
}

/// Why a source could not produce its events.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("replay file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("replay file {path}: {source}")]
    Parse { path: PathBuf, source: cricket::cricsheet::CricsheetError },
}

impl SourceError {
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            SourceError::Read { .. } => "replay_read",
            SourceError::Parse { .. } => "replay_parse",
        }
    }
}

impl Source {
    /// The sport this source plays.
    #[must_use]
    pub fn sport(&self) -> Sport {
        Sport::Cricket
    }

    /// Every event of the match, in order. Deterministic: the same source
    /// always yields the same events (that is what lets a restarted
    /// producer continue where it stopped).
    ///
    /// # Errors
    /// The replay file cannot be read or is not a valid Cricsheet match.
    pub fn events(&self) -> Result<Vec<cricket::Event>, SourceError> {
        match self {
            Source::Simulate { format, seed, teams } => {
                let config = cricket::sim::SimConfig { format: *format, seed: *seed, teams: teams.clone() };
                Ok(cricket::sim::simulate(&config))
            }
            Source::Replay { path } => {
                let bytes = std::fs::read(path).map_err(|source| SourceError::Read { path: path.clone(), source })?;
                let replay = cricket::cricsheet::parse(&bytes)
                    .map_err(|source| SourceError::Parse { path: path.clone(), source })?;
                Ok(replay.events)
            }
        }
    }
}
