//! Cheap deltas: each event records what it touched ([`Touched`]) and only
//! those parts of the snapshot are written as JSON Patch ops, straight as
//! JSON text (the views of [`super::json`]); nothing is serialized whole or
//! diffed, and no `serde_json::Value` is built.
//!
//! Row indices in [`Touched`] refer to the innings that was last before the
//! event (a new innings is added whole). Rows at or beyond that innings'
//! old array length are appended with `add …/-`, older ones replaced.
//! Innings header fields, top-level fields and `current` fields are
//! compared as plain values ([`Header`], [`SummaryKey`], [`CurrentKey`]) and
//! only changed ones are rebuilt.
//!
//! A typical delivery yields ~19 ops (striker, bowler, partnership and over
//! rows; a few header and `current` fields; one commentary entry), ~2 KB of
//! JSON. The ops were once `serde_json::Value` trees (allocating a map per
//! row, serialized later and dropped): the `oracle` tests keep that builder
//! and check the text against it byte for byte.

use super::current::CurrentKey;
use super::json::{HeaderField, RowView};
use super::scorecard::{HEADER_KEYS, Header};
use super::state::State;
use super::view::STATIC_TOP;
use crate::engine::Status;
use crate::patch_json::{Patch, PatchWriter};

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
/// `idx` is the innings, `name` the array's key in it.
fn rows<T: RowView>(
    w: &mut PatchWriter,
    (idx, name): (usize, &str),
    touched: &[usize],
    old_len: usize,
    all: &[T],
    bpo: u32,
) {
    for (i, &k) in touched.iter().enumerate() {
        if k < old_len
            && !touched[..i].contains(&k)
            && let Some(row) = all.get(k)
        {
            w.replace(("/innings/", idx, "/", name, "/", k), &row.row_view(bpo));
        }
    }
    for row in all.iter().skip(old_len) {
        w.add(("/innings/", idx, "/", name, "/-"), &row.row_view(bpo));
    }
}

/// Bytes reserved for a patch: a delivery's ~19 ops come to ~2 KB.
const PATCH_CAPACITY: usize = 2560;

impl State {
    /// The ops turning the snapshot described by `b` into the current one,
    /// written as JSON text.
    pub(crate) fn patch(&self, b: &Before, t: &Touched) -> Patch {
        let bpo = self.balls_per_over();
        let mut w = PatchWriter::with_capacity(PATCH_CAPACITY);
        if t.top_all {
            for k in STATIC_TOP {
                w.replace_with(("/", k), |out| self.write_top(k, out));
            }
        } else {
            if self.toss.is_some() != b.toss {
                w.replace_with("/toss", |out| self.write_top("toss", out));
            }
            for &k in &t.squads {
                if let Some(squad) = self.info.as_ref().and_then(|i| i.squads.get(k)) {
                    w.replace(("/squads/", k), squad);
                }
            }
        }
        if self.status() != b.status {
            w.replace("/status", &self.status());
        }
        if self.result.is_some() != b.finished {
            w.replace_with("/result", |out| self.write_top("result", out));
            w.replace_with("/winner", |out| self.write_top("winner", out));
        }
        if SummaryKey::capture(self) != b.summary {
            w.replace("/summary", &self.summary());
        }
        if let Some((lens, header)) = &b.last
            && let Some(idx) = b.innings.checked_sub(1)
            && let Some(inn) = self.innings.get(idx)
        {
            let now = inn.header(bpo);
            for (k, key) in HEADER_KEYS.iter().enumerate() {
                if !header.same(&now, k) {
                    w.replace(("/innings/", idx, "/", *key), &HeaderField { header: &now, k, bpo });
                }
            }
            rows(&mut w, (idx, "batting"), &t.batting, lens.batting, &inn.batting, bpo);
            rows(&mut w, (idx, "bowling"), &t.bowling, lens.bowling, &inn.bowling, bpo);
            rows(&mut w, (idx, "fow"), &[], lens.fow, &inn.fow, bpo);
            rows(&mut w, (idx, "partnerships"), &t.partnerships, lens.partnerships, &inn.partnerships, bpo);
            rows(&mut w, (idx, "overs_detail"), &t.overs, lens.overs, &inn.overs, bpo);
        }
        for inn in self.innings.iter().skip(b.innings) {
            w.add("/innings/-", &inn.view(bpo));
        }
        self.current_ops(&b.current, t.chip, &mut w);
        for c in self.commentary.iter().skip(b.commentary) {
            w.add("/commentary/-", &c.view());
        }
        w.finish()
    }
}

#[cfg(test)]
#[path = "delta_oracle.rs"]
mod oracle;
