//! The `current` object of the snapshot (the live view of the latest
//! innings) and its cheap delta: each field is compared through a plain
//! [`CurrentKey`] captured before the event, and only changed fields are
//! rebuilt; `recent` and `this_over` chips are appended, not resent.

use serde_json::Value;

use super::json::Overs;
use super::scorecard::Innings;
use super::state::{RECENT_BALLS, State};
use super::text::{obj, overs_text, per_over, plural, strike_rate};
use crate::patch_json::PatchWriter;

/// A batter at the crease: name and (runs, balls, fours, sixes).
type BatKey = Option<(String, [u32; 4])>;

/// Everything `current` shows, in plain values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CurrentKey {
    pub(crate) innings: Option<usize>,
    pub(crate) striker: BatKey,
    pub(crate) non_striker: BatKey,
    /// Name and (legal balls, maidens, runs, wickets).
    pub(crate) bowler: Option<(String, [u32; 4])>,
    pub(crate) partnership: Option<(u32, u32)>,
    pub(crate) runs: u32,
    pub(crate) wickets: u32,
    pub(crate) legal_balls: u32,
    pub(crate) target: Option<u32>,
    /// Runs needed, balls left, innings closed: everything the equation and
    /// required rate depend on.
    pub(crate) chase: (Option<u32>, Option<u32>, bool),
    pub(crate) recent: usize,
}

fn bat_key(inn: &Innings, name: Option<&String>) -> BatKey {
    let name = name?;
    let stats = inn.batter_index(name).map_or([0; 4], |k| {
        let b = &inn.batting[k];
        [b.runs, b.balls, b.fours, b.sixes]
    });
    Some((name.clone(), stats))
}

pub(crate) fn bat_json(key: &BatKey) -> Value {
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

    pub(crate) fn bowler_json(&self, bpo: u32) -> Value {
        match &self.bowler {
            None => Value::Null,
            Some((name, [balls, maidens, runs, wickets])) => obj!(
                "name" => name.as_str(), "overs" => overs_text(*balls, bpo), "maidens" => *maidens,
                "runs" => *runs, "wickets" => *wickets, "economy" => per_over(*runs, *balls, bpo),
            ),
        }
    }

    pub(crate) fn partnership_json(&self) -> Value {
        self.partnership.map_or(Value::Null, |(runs, balls)| obj!("runs" => runs, "balls" => balls))
    }

    pub(crate) fn equation(&self) -> Value {
        match self.chase {
            (Some(need), Some(left), false) if need > 0 && left > 0 => {
                Value::from(format!("needs {need} from {}", plural(left, "ball")))
            }
            _ => Value::Null,
        }
    }

    pub(crate) fn required_rate(&self, bpo: u32) -> Value {
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
    pub(crate) fn current_ops(&self, old: &CurrentKey, chip: bool, w: &mut PatchWriter) {
        let new = CurrentKey::capture(self);
        if new.innings != old.innings {
            w.replace("/current", &self.current_view(&new));
            return;
        }
        if new == *old && !chip {
            return;
        }
        let bpo = self.balls_per_over();
        if new.runs != old.runs {
            w.replace("/current/runs", &new.runs);
        }
        if new.wickets != old.wickets {
            w.replace("/current/wickets", &new.wickets);
        }
        if new.legal_balls != old.legal_balls {
            w.replace("/current/overs", &Overs { legal_balls: new.legal_balls, bpo });
        }
        if (new.runs, new.legal_balls) != (old.runs, old.legal_balls) {
            w.replace("/current/run_rate", &per_over(new.runs, new.legal_balls, bpo));
        }
        if new.striker != old.striker {
            w.replace("/current/striker", &new.striker_view());
        }
        if new.non_striker != old.non_striker {
            w.replace("/current/non_striker", &new.non_striker_view());
        }
        if new.bowler != old.bowler {
            w.replace("/current/bowler", &new.bowler_view(bpo));
        }
        if new.partnership != old.partnership {
            w.replace("/current/partnership", &new.stand_view());
        }
        if new.target != old.target {
            w.replace("/current/target", &new.target);
        }
        if new.chase != old.chase {
            w.replace("/current/required_rate", &new.required_rate_view(bpo));
            w.replace("/current/equation", &new.equation_view());
        }
        if chip {
            if let Some(last) = self.crease.recent.last() {
                if old.recent >= RECENT_BALLS {
                    w.remove("/current/recent/0");
                }
                w.add("/current/recent/-", last);
            }
            if self.crease.this_over.len() == 1 {
                w.replace("/current/this_over", &self.crease.this_over);
            } else if let Some(last) = self.crease.this_over.last() {
                w.add("/current/this_over/-", last);
            }
        }
    }
}
