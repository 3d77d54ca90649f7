//! The `current` object of the snapshot (the live view of the latest
//! innings) and its cheap delta: each field is compared through a plain
//! [`CurrentKey`] captured before the event, and only changed fields are
//! rebuilt; `recent` and `this_over` chips are appended, not resent.

use serde_json::Value;

use super::scorecard::Innings;
use super::state::{RECENT_BALLS, State};
use super::text::{obj, overs_text, per_over, plural, strike_rate};
use crate::patch::PatchOp;

/// A batter at the crease: name and (runs, balls, fours, sixes).
type BatKey = Option<(String, [u32; 4])>;

/// Everything `current` shows, in plain values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CurrentKey {
    innings: Option<usize>,
    striker: BatKey,
    non_striker: BatKey,
    /// Name and (legal balls, maidens, runs, wickets).
    bowler: Option<(String, [u32; 4])>,
    partnership: Option<(u32, u32)>,
    runs: u32,
    wickets: u32,
    legal_balls: u32,
    target: Option<u32>,
    /// Runs needed, balls left, innings closed: everything the equation and
    /// required rate depend on.
    chase: (Option<u32>, Option<u32>, bool),
    recent: usize,
}

fn bat_key(inn: &Innings, name: Option<&String>) -> BatKey {
    let name = name?;
    let stats = inn.batter_index(name).map_or([0; 4], |k| {
        let b = &inn.batting[k];
        [b.runs, b.balls, b.fours, b.sixes]
    });
    Some((name.clone(), stats))
}

fn bat_json(key: &BatKey) -> Value {
    match key {
        None => Value::Null,
        Some((name, [runs, balls, fours, sixes])) => obj!(
            "name" => name.as_str(), "runs" => *runs, "balls" => *balls, "fours" => *fours, "sixes" => *sixes,
            "strike_rate" => strike_rate(*runs, *balls),
        ),
    }
}

impl CurrentKey {
    pub(crate) fn capture(s: &State) -> Self {
        let bpo = s.balls_per_over();
        let Some(inn) = s.innings.last() else {
            return CurrentKey {
                innings: None,
                striker: None,
                non_striker: None,
                bowler: None,
                partnership: None,
                runs: 0,
                wickets: 0,
                legal_balls: 0,
                target: None,
                chase: (None, None, false),
                recent: 0,
            };
        };
        let bowler = s.crease.bowler.as_ref().map(|name| {
            let stats = inn.bowler_index(name).map_or([0; 4], |k| {
                let b = &inn.bowling[k];
                [b.legal_balls, b.maidens, b.runs, b.wickets]
            });
            (name.clone(), stats)
        });
        CurrentKey {
            innings: Some(s.innings.len() - 1),
            striker: bat_key(inn, s.crease.striker.as_ref()),
            non_striker: bat_key(inn, s.crease.non_striker.as_ref()),
            bowler,
            partnership: inn.partnerships.last().filter(|p| p.open).map(|p| (p.runs, p.balls)),
            runs: inn.runs,
            wickets: inn.wickets,
            legal_balls: inn.legal_balls,
            target: inn.target,
            chase: (inn.runs_needed(), inn.balls_left(bpo), inn.closed),
            recent: s.crease.recent.len(),
        }
    }

    fn bowler_json(&self, bpo: u32) -> Value {
        match &self.bowler {
            None => Value::Null,
            Some((name, [balls, maidens, runs, wickets])) => obj!(
                "name" => name.as_str(), "overs" => overs_text(*balls, bpo), "maidens" => *maidens,
                "runs" => *runs, "wickets" => *wickets, "economy" => per_over(*runs, *balls, bpo),
            ),
        }
    }

    fn partnership_json(&self) -> Value {
        self.partnership.map_or(Value::Null, |(runs, balls)| obj!("runs" => runs, "balls" => balls))
    }

    fn equation(&self) -> Value {
        match self.chase {
            (Some(need), Some(left), false) if need > 0 && left > 0 => {
                Value::from(format!("needs {need} from {}", plural(left, "ball")))
            }
            _ => Value::Null,
        }
    }

    fn required_rate(&self, bpo: u32) -> Value {
        match self.chase {
            (Some(need), Some(left), _) if left > 0 => per_over(need, left, bpo).into(),
            _ => Value::Null,
        }
    }
}

impl State {
    /// The live view of the latest innings (null before the first innings).
    pub(crate) fn current_json(&self) -> Value {
        let Some(inn) = self.innings.last() else { return Value::Null };
        let bpo = self.balls_per_over();
        let k = CurrentKey::capture(self);
        obj!(
            "innings" => self.innings.len() - 1,
            "number" => inn.number,
            "batting_team" => inn.team.as_str(),
            "bowling_team" => inn.bowling_team.as_str(),
            "super_over" => inn.super_over,
            "runs" => inn.runs,
            "wickets" => inn.wickets,
            "overs" => overs_text(inn.legal_balls, bpo),
            "striker" => bat_json(&k.striker),
            "non_striker" => bat_json(&k.non_striker),
            "bowler" => k.bowler_json(bpo),
            "partnership" => k.partnership_json(),
            "run_rate" => per_over(inn.runs, inn.legal_balls, bpo),
            "required_rate" => k.required_rate(bpo),
            "target" => inn.target,
            "equation" => k.equation(),
            "recent" => self.crease.recent.clone(),
            "this_over" => self.crease.this_over.clone(),
        )
    }

    /// Ops turning `current` as described by `old` into the current one.
    /// `chip`: a delivery added one chip to `recent` and `this_over`.
    pub(crate) fn current_ops(&self, old: &CurrentKey, chip: bool, ops: &mut Vec<PatchOp>) {
        let new = CurrentKey::capture(self);
        if new.innings != old.innings {
            ops.push(PatchOp::replace("/current", self.current_json()));
            return;
        }
        if new == *old && !chip {
            return;
        }
        let bpo = self.balls_per_over();
        let mut set = |key: &str, v: Value| ops.push(PatchOp::replace(format!("/current/{key}"), v));
        if new.runs != old.runs {
            set("runs", new.runs.into());
        }
        if new.wickets != old.wickets {
            set("wickets", new.wickets.into());
        }
        if new.legal_balls != old.legal_balls {
            set("overs", overs_text(new.legal_balls, bpo).into());
        }
        if (new.runs, new.legal_balls) != (old.runs, old.legal_balls) {
            set("run_rate", per_over(new.runs, new.legal_balls, bpo).into());
        }
        if new.striker != old.striker {
            set("striker", bat_json(&new.striker));
        }
        if new.non_striker != old.non_striker {
            set("non_striker", bat_json(&new.non_striker));
        }
        if new.bowler != old.bowler {
            set("bowler", new.bowler_json(bpo));
        }
        if new.partnership != old.partnership {
            set("partnership", new.partnership_json());
        }
        if new.target != old.target {
            set("target", new.target.into());
        }
        if new.chase != old.chase {
            set("required_rate", new.required_rate(bpo));
            set("equation", new.equation());
        }
        if chip {
            if let Some(last) = self.crease.recent.last() {
                if old.recent >= RECENT_BALLS {
                    ops.push(PatchOp::remove("/current/recent/0"));
                }
                ops.push(PatchOp::add("/current/recent/-", last.clone()));
            }
            if self.crease.this_over.len() == 1 {
                ops.push(PatchOp::replace("/current/this_over", self.crease.this_over.clone()));
            } else if let Some(last) = self.crease.this_over.last() {
                ops.push(PatchOp::add("/current/this_over/-", last.clone()));
            }
        }
    }
}
