//! Cheap deltas: each event records what it touched ([`Touched`]) and only
//! those parts of the snapshot are rebuilt into JSON Patch ops; nothing is
//! serialized whole or diffed.
//!
//! Row indices in [`Touched`] refer to the innings that was last before the
//! event (a new innings is added whole). Rows at or beyond that innings'
//! old array length are appended with `add …/-`, older ones replaced.
//! Innings header fields, top-level fields and `current` fields are
//! compared as plain values ([`Header`], [`SummaryKey`], [`CurrentKey`]) and
//! only changed ones are rebuilt.
//!
//! A typical delivery yields ~19 ops (striker, bowler, partnership and over
//! rows; a few header and `current` fields; one commentary entry). Measured
//! with the ignored `fold_speed` test in `tests/patches.rs` (release, ODI
//! replay, on a busy shared 2-core VM): folding alone ~1.4 µs per event,
//! folding plus building (and dropping) the patch ~7–10 µs; almost all of
//! the difference is allocation of `serde_json::Value` maps.

use serde_json::Value;

use super::current::CurrentKey;
use super::scorecard::{BatterRow, Fow, HEADER_KEYS, Header, OverSummary, Partnership};
use super::state::State;
use super::view::STATIC_TOP;
use crate::engine::Status;
use crate::patch::PatchOp;

/// What one event changed, beyond what [`Before`] lets us compare.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// All top-level scalar fields may have changed (`match_start`, `toss`).
    pub top_all: bool,
    pub batting: Vec<usize>,
    pub bowling: Vec<usize>,
    pub partnerships: Vec<usize>,
    pub overs: Vec<usize>,
    pub squads: Vec<usize>,
    /// A delivery added a chip to `current.recent` and `current.this_over`.
    pub chip: bool,
}

/// Lengths of one innings' arrays.
#[derive(Debug, Clone, Copy)]
struct Lens {
    batting: usize,
    bowling: usize,
    fow: usize,
    partnerships: usize,
    overs: usize,
}

/// What the summary line depends on: the teams, and the score of each
/// innings (only the latest can change, but all are cheap to compare).
#[derive(Debug, PartialEq)]
struct SummaryKey {
    started: bool,
    innings: Vec<(u32, u32, u32, bool)>,
}

impl SummaryKey {
    fn capture(s: &State) -> Self {
        SummaryKey {
            started: s.info.is_some(),
            innings: s.innings.iter().map(|i| (i.runs, i.wickets, i.legal_balls, i.overs.is_empty())).collect(),
        }
    }
}

/// What the snapshot looked like before the event, as far as the patch needs.
#[derive(Debug)]
pub(crate) struct Before {
    innings: usize,
    commentary: usize,
    last: Option<(Lens, Header)>,
    status: Status,
    finished: bool,
    summary: SummaryKey,
    toss: bool,
    current: CurrentKey,
}

impl Before {
    pub(crate) fn capture(s: &State) -> Self {
        let bpo = s.balls_per_over();
        Before {
            innings: s.innings.len(),
            commentary: s.commentary.len(),
            last: s.innings.last().map(|i| {
                let lens = Lens {
                    batting: i.batting.len(),
                    bowling: i.bowling.len(),
                    fow: i.fow.len(),
                    partnerships: i.partnerships.len(),
                    overs: i.overs.len(),
                };
                (lens, i.header(bpo))
            }),
            status: s.status(),
            finished: s.result.is_some(),
            summary: SummaryKey::capture(s),
            toss: s.toss.is_some(),
            current: CurrentKey::capture(s),
        }
    }
}

/// Replace the touched rows below `old_len`, append the rows from `old_len` on.
/// `base` is the innings path, `name` the array's key in it.
fn rows<T>(
    ops: &mut Vec<PatchOp>,
    (base, name): (&str, &str),
    touched: &[usize],
    old_len: usize,
    all: &[T],
    f: impl Fn(&T) -> Value,
) {
    for (i, &k) in touched.iter().enumerate() {
        if k < old_len
            && !touched[..i].contains(&k)
            && let Some(row) = all.get(k)
        {
            ops.push(PatchOp::replace(format!("{base}/{name}/{k}"), f(row)));
        }
    }
    for row in all.iter().skip(old_len) {
        ops.push(PatchOp::add(format!("{base}/{name}/-"), f(row)));
    }
}

impl State {
    /// The ops turning the snapshot described by `b` into the current one.
    pub(crate) fn patch(&self, b: &Before, t: &Touched) -> Vec<PatchOp> {
        let bpo = self.balls_per_over();
        let mut ops = Vec::with_capacity(24);
        if t.top_all {
            for k in STATIC_TOP {
                ops.push(PatchOp::replace(format!("/{k}"), self.top_value(k)));
            }
        } else {
            if self.toss.is_some() != b.toss {
                ops.push(PatchOp::replace("/toss", self.top_value("toss")));
            }
            for &k in &t.squads {
                if let Some(squad) = self.info.as_ref().and_then(|i| i.squads.get(k)) {
                    ops.push(PatchOp::replace(format!("/squads/{k}"), squad.clone()));
                }
            }
        }
        if self.status() != b.status {
            ops.push(PatchOp::replace("/status", self.top_value("status")));
        }
        if self.result.is_some() != b.finished {
            ops.push(PatchOp::replace("/result", self.top_value("result")));
            ops.push(PatchOp::replace("/winner", self.top_value("winner")));
        }
        if SummaryKey::capture(self) != b.summary {
            ops.push(PatchOp::replace("/summary", self.summary()));
        }
        if let Some((lens, header)) = &b.last
            && let Some(idx) = b.innings.checked_sub(1)
            && let Some(inn) = self.innings.get(idx)
        {
            let base = format!("/innings/{idx}");
            let now = inn.header(bpo);
            for (k, key) in HEADER_KEYS.iter().enumerate() {
                if !header.same(&now, k) {
                    ops.push(PatchOp::replace(format!("{base}/{key}"), now.value(k, bpo)));
                }
            }
            rows(&mut ops, (&base, "batting"), &t.batting, lens.batting, &inn.batting, BatterRow::to_json);
            rows(&mut ops, (&base, "bowling"), &t.bowling, lens.bowling, &inn.bowling, |r| r.to_json(bpo));
            rows(&mut ops, (&base, "fow"), &[], lens.fow, &inn.fow, Fow::to_json);
            let parts = &inn.partnerships;
            rows(&mut ops, (&base, "partnerships"), &t.partnerships, lens.partnerships, parts, Partnership::to_json);
            rows(&mut ops, (&base, "overs_detail"), &t.overs, lens.overs, &inn.overs, OverSummary::to_json);
        }
        for inn in self.innings.iter().skip(b.innings) {
            ops.push(PatchOp::add("/innings/-", inn.to_json(bpo)));
        }
        self.current_ops(&b.current, t.chip, &mut ops);
        for c in self.commentary.iter().skip(b.commentary) {
            ops.push(PatchOp::add("/commentary/-", c.to_json()));
        }
        ops
    }
}
