//! Sport-neutral match state: folds [`Envelope`]s in sequence order.
//!
//! Everything outside a sport's module talks to matches through this type:
//! the consumer folds events with [`MatchState::apply`], stores
//! [`MatchState::snapshot`] for viewers and [`MatchState::summary`] for the
//! lobby, and forwards the returned [`Applied::patch`] as the delta.

use serde::{Deserialize, Serialize};

use crate::envelope::{Envelope, Event, Sport};
use crate::patch_json::{Patch, PatchWriter};
use crate::sport::{RuleViolation, Rules, SnapshotMeta};
use crate::{basketball, cricket, football, tennis};

/// Where a match is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Scheduled,
    Live,
    Completed,
    Abandoned,
}

impl Status {
    /// Completed or abandoned: no more events will come.
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Completed | Status::Abandoned)
    }
}

/// The outcome of applying one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    pub seq: u64,
    /// JSON Patch turning the snapshot before the event into the snapshot
    /// after it, as JSON text. The first event of a match (seq 1) replaces
    /// the whole document (path `""`), so a viewer holding no snapshot can
    /// apply it.
    pub patch: Patch,
}

/// Why an event was not applied. The state is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("event for match {got} delivered to match {expected}")]
    WrongMatch { expected: String, got: String },
    #[error("event for sport {got} delivered to a {expected} match")]
    WrongSport { expected: &'static str, got: &'static str },
    #[error("duplicate event seq {seq}: already applied up to {applied}")]
    Duplicate { seq: u64, applied: u64 },
    #[error("gap before event seq {got}: expected seq {expected}")]
    Gap { expected: u64, got: u64 },
    /// The sport's rules rejected the event (`kind` is the rule error's
    /// own metric label, e.g. `"finished"`).
    #[error("event seq {seq} breaks the laws of {sport}: {message}")]
    Rule { seq: u64, sport: Sport, kind: &'static str, message: String },
}

impl ApplyError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            ApplyError::WrongMatch { .. } => "wrong_match",
            ApplyError::WrongSport { .. } => "wrong_sport",
            ApplyError::Duplicate { .. } => "duplicate",
            ApplyError::Gap { .. } => "gap",
            ApplyError::Rule { .. } => "rule",
        }
    }
}

/// Per-sport state, tagged with the sport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sport", rename_all = "lowercase")]
pub enum SportState {
    Cricket(cricket::State),
    Football(football::State),
    Basketball(basketball::State),
    Tennis(tennis::State),
}

/// Run `$body` with `$s` bound to the sport's state, whatever the sport.
macro_rules! with_state {
    ($state:expr, $s:ident => $body:expr) => {
        match $state {
            SportState::Cricket($s) => $body,
            SportState::Football($s) => $body,
            SportState::Basketball($s) => $body,
            SportState::Tennis($s) => $body,
        }
    };
}

/// Fold one event with a sport's rules, wrapping its error.
fn fold<R: Rules>(state: &mut R, ev: &R::Event, seq: u64, ts: i64) -> Result<Patch, ApplyError> {
    state.apply(ev, seq, ts).map_err(|e| ApplyError::Rule {
        seq,
        sport: R::SPORT,
        kind: e.metric_label(),
        message: e.to_string(),
    })
}

/// The full state of one match: everything needed to continue folding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchState {
    pub match_id: String,
    /// Sequence number of the last event applied (0: none yet).
    pub seq: u64,
    /// Timestamp of the last event applied (ms since epoch, 0: none yet).
    pub updated: i64,
    pub state: SportState,
}

impl MatchState {
    /// An empty match of the given sport.
    #[must_use]
    pub fn new(match_id: impl Into<String>, sport: Sport) -> Self {
        let state = match sport {
            Sport::Cricket => SportState::Cricket(cricket::State::default()),
            Sport::Football => SportState::Football(football::State::default()),
            Sport::Basketball => SportState::Basketball(basketball::State::default()),
            Sport::Tennis => SportState::Tennis(tennis::State::default()),
        };
        MatchState { match_id: match_id.into(), seq: 0, updated: 0, state }
    }

    #[must_use]
    pub fn sport(&self) -> Sport {
        match self.state {
            SportState::Cricket(_) => Sport::Cricket,
            SportState::Football(_) => Sport::Football,
            SportState::Basketball(_) => Sport::Basketball,
            SportState::Tennis(_) => Sport::Tennis,
        }
    }

    /// Apply the next event. Only `seq == self.seq + 1` is accepted; the
    /// state is left untouched on any error.
    ///
    /// # Errors
    /// See [`ApplyError`].
    pub fn apply(&mut self, env: &Envelope) -> Result<Applied, ApplyError> {
        if env.match_id != self.match_id {
            return Err(ApplyError::WrongMatch { expected: self.match_id.clone(), got: env.match_id.clone() });
        }
        if env.event.sport() != self.sport() {
            return Err(ApplyError::WrongSport { expected: self.sport().as_str(), got: env.event.sport().as_str() });
        }
        if env.seq <= self.seq {
            return Err(ApplyError::Duplicate { seq: env.seq, applied: self.seq });
        }
        if env.seq != self.seq + 1 {
            return Err(ApplyError::Gap { expected: self.seq + 1, got: env.seq });
        }
        let mut patch = match (&mut self.state, &env.event) {
            (SportState::Cricket(s), Event::Cricket(ev)) => fold(s, ev, env.seq, env.ts)?,
            (SportState::Football(s), Event::Football(ev)) => fold(s, ev, env.seq, env.ts)?,
            (SportState::Basketball(s), Event::Basketball(ev)) => fold(s, ev, env.seq, env.ts)?,
            (SportState::Tennis(s), Event::Tennis(ev)) => fold(s, ev, env.seq, env.ts)?,
            _ => {
                return Err(ApplyError::WrongSport {
                    expected: self.sport().as_str(),
                    got: env.event.sport().as_str(),
                });
            }
        };
        let first = self.seq == 0;
        self.seq = env.seq;
        self.updated = env.ts;
        if first {
            // Viewers that subscribed before the match had any state hold
            // no document: the first event replaces the whole of it.
            let snapshot = self.snapshot_text();
            let mut w = PatchWriter::with_capacity(snapshot.len() + 64);
            w.replace_json("", &snapshot);
            patch = w.finish();
        } else {
            patch.push_replace("/seq", &env.seq);
            patch.push_replace("/updated", &env.ts);
        }
        Ok(Applied { seq: env.seq, patch })
    }

    /// Step over an event that was parked (rejected by the rules or
    /// malformed), so the events after it can still be applied.
    pub fn skip(&mut self, seq: u64) {
        if seq == self.seq + 1 {
            self.seq = seq;
        }
    }

    /// The viewers' snapshot: `id`, `sport`, `seq`, `updated`, `status`,
    /// `summary` plus the sport's own fields.
    #[must_use]
    pub fn snapshot(&self) -> serde_json::Value {
        let mut v = with_state!(&self.state, s => Rules::snapshot(s));
        self.meta().insert_into(&mut v);
        v
    }

    /// The viewers' snapshot as JSON text (what is stored for viewers):
    /// byte for byte `snapshot().to_string()`, written without building
    /// the `Value` where the sport can.
    #[must_use]
    pub fn snapshot_text(&self) -> String {
        let meta = self.meta();
        with_state!(&self.state, s => Rules::snapshot_text(s, &meta))
    }

    fn meta(&self) -> SnapshotMeta<'_> {
        SnapshotMeta { id: &self.match_id, sport: self.sport(), seq: self.seq, updated: self.updated }
    }

    /// One line for the lobby and `kubectl get lm`, e.g.
    /// `RR 130/9 (20) · GT 133/3 (18.1)`, `ARS 2–1 CHE 67'`,
    /// `LAL 98–95 BOS Q4 2:31`, `Alcaraz* 6-4 3-6 5-4 Sinner 30-15`.
    #[must_use]
    pub fn summary(&self) -> String {
        with_state!(&self.state, s => Rules::summary(s))
    }

    #[must_use]
    pub fn status(&self) -> Status {
        with_state!(&self.state, s => Rules::status(s))
    }

    /// The commentary line of the latest event applied (None before any).
    #[must_use]
    pub fn commentary(&self) -> Option<String> {
        with_state!(&self.state, s => Rules::commentary(s))
    }

    /// The lobby's entry for this match.
    #[must_use]
    pub fn lobby_entry(&self) -> LobbyEntry {
        let (teams, result) = with_state!(&self.state, s => (Rules::teams(s), Rules::result_text(s)));
        LobbyEntry {
            id: self.match_id.clone(),
            sport: self.sport(),
            status: self.status(),
            teams,
            summary: self.summary(),
            result,
            seq: self.seq,
            updated: self.updated,
        }
    }
}

/// A match as listed in the lobby.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LobbyEntry {
    pub id: String,
    pub sport: Sport,
    pub status: Status,
    pub teams: Vec<String>,
    pub summary: String,
    pub result: Option<String>,
    pub seq: u64,
    pub updated: i64,
}
