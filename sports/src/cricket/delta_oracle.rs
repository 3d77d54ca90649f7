//! The patch builder as it was before patches were written as JSON text:
//! every op a `serde_json::Value` tree built from the `to_json` views. Kept
//! (tests only) as the oracle the text writer of [`super`] must match byte
//! for byte, over many simulated matches and every real Cricsheet match.

use std::path::Path;

use serde_json::Value;

use super::super::cricsheet;
use super::super::current::{CurrentKey, bat_json};
use super::super::event::{Event, Format};
use super::super::scorecard::{BatterRow, Fow, HEADER_KEYS, OverSummary, Partnership};
use super::super::sim::{SimConfig, simulate};
use super::super::state::{RECENT_BALLS, State};
use super::super::text::{overs_text, per_over};
use super::super::view::STATIC_TOP;
use super::{Before, SummaryKey, Touched};
use crate::engine::MatchState;
use crate::envelope::{Envelope, Event as AnyEvent};
use crate::patch::PatchOp;

/// Replace the touched rows below `old_len`, append the rows from `old_len` on.
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

/// The ops turning the snapshot described by `b` into the one of `s`.
fn patch(s: &State, b: &Before, t: &Touched) -> Vec<PatchOp> {
    let bpo = s.balls_per_over();
    let mut ops = Vec::with_capacity(24);
    if t.top_all {
        for k in STATIC_TOP {
            ops.push(PatchOp::replace(format!("/{k}"), s.top_value(k)));
        }
    } else {
        if s.toss.is_some() != b.toss {
            ops.push(PatchOp::replace("/toss", s.top_value("toss")));
        }
        for &k in &t.squads {
            if let Some(squad) = s.info.as_ref().and_then(|i| i.squads.get(k)) {
                ops.push(PatchOp::replace(format!("/squads/{k}"), squad.clone()));
            }
        }
    }
    if s.status() != b.status {
        ops.push(PatchOp::replace("/status", s.top_value("status")));
    }
    if s.result.is_some() != b.finished {
        ops.push(PatchOp::replace("/result", s.top_value("result")));
        ops.push(PatchOp::replace("/winner", s.top_value("winner")));
    }
    if SummaryKey::capture(s) != b.summary {
        ops.push(PatchOp::replace("/summary", s.summary()));
    }
    if let Some((lens, header)) = &b.last
        && let Some(idx) = b.innings.checked_sub(1)
        && let Some(inn) = s.innings.get(idx)
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
    for inn in s.innings.iter().skip(b.innings) {
        ops.push(PatchOp::add("/innings/-", inn.to_json(bpo)));
    }
    current_ops(s, &b.current, t.chip, &mut ops);
    for c in s.commentary.iter().skip(b.commentary) {
        ops.push(PatchOp::add("/commentary/-", c.to_json()));
    }
    ops
}

fn current_ops(s: &State, old: &CurrentKey, chip: bool, ops: &mut Vec<PatchOp>) {
    let new = CurrentKey::capture(s);
    if new.innings != old.innings {
        ops.push(PatchOp::replace("/current", s.current_json()));
        return;
    }
    if new == *old && !chip {
        return;
    }
    let bpo = s.balls_per_over();
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
        if let Some(last) = s.crease.recent.last() {
            if old.recent >= RECENT_BALLS {
                ops.push(PatchOp::remove("/current/recent/0"));
            }
            ops.push(PatchOp::add("/current/recent/-", last.clone()));
        }
        if s.crease.this_over.len() == 1 {
            ops.push(PatchOp::replace("/current/this_over", s.crease.this_over.clone()));
        } else if let Some(last) = s.crease.this_over.last() {
            ops.push(PatchOp::add("/current/this_over/-", last.clone()));
        }
    }
}

/// Fold `events` as match `id`, checking every event's text patch against
/// the oracle's ops, and (every `every` events, and at the end) the
/// snapshot text against the `Value` snapshot; also through the engine
/// (first-event patch, `/seq` and `/updated`, snapshot with the engine's
/// keys). Returns the ops compared.
fn check_match(id: &str, events: &[Event], every: usize) -> usize {
    let mut s = State::default();
    let mut engine = MatchState::new(id, crate::Sport::Cricket);
    let mut ops = 0;
    for (i, ev) in events.iter().enumerate() {
        let seq = i as u64 + 1;
        let ts = 1_700_000_000_000 + 1000 * i64::try_from(i).unwrap_or(0);
        let env = Envelope::new(id, seq, ts, AnyEvent::Cricket(ev.clone()));
        let applied = engine.apply(&env);
        if s.validate(ev).is_err() {
            assert!(applied.is_err(), "{id} seq {seq}: the engine accepted what the rules reject");
            engine.skip(seq);
            continue;
        }
        let before = Before::capture(&s);
        let mut t = Touched::default();
        s.fold(ev, seq, ts, &mut t);
        let text = s.patch(&before, &t);
        let expected = patch(&s, &before, &t);
        let want = serde_json::to_string(&expected).unwrap_or_default();
        assert_eq!(text.as_str(), want, "{id} seq {seq}: {ev:?}");
        assert_eq!(text.len(), expected.len());
        ops += expected.len();

        let applied = applied.unwrap_or_else(|e| panic!("{id} seq {seq}: {e}"));
        let mut engine_ops = if seq == 1 { vec![PatchOp::replace("", engine.snapshot())] } else { expected };
        if seq > 1 {
            engine_ops.push(PatchOp::replace("/seq", seq));
            engine_ops.push(PatchOp::replace("/updated", ts));
        }
        assert_eq!(applied.patch.as_str(), serde_json::to_string(&engine_ops).unwrap_or_default(), "{id} seq {seq}");
        if i % every == 0 || i + 1 == events.len() {
            assert_eq!(s.snapshot_text(None), s.snapshot().to_string(), "{id} seq {seq}: snapshot");
            assert_eq!(engine.snapshot_text(), engine.snapshot().to_string(), "{id} seq {seq}: engine snapshot");
        }
    }
    ops
}

#[test]
fn text_patches_match_the_value_patches_on_simulated_matches() {
    let mut ops = 0;
    for seed in 1..=120 {
        ops += check_match(&format!("t20-{seed}"), &simulate(&SimConfig::new(Format::T20, seed)), 25);
    }
    for seed in 1..=12 {
        ops += check_match(&format!("odi-{seed}"), &simulate(&SimConfig::new(Format::Odi, seed)), 60);
    }
    assert!(ops > 200_000, "{ops} ops compared");
}

#[test]
fn text_patches_match_the_value_patches_on_real_matches() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/cricsheet"));
    let fixtures = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cricsheet"));
    let mut checked = 0;
    for dir in [dir, fixtures] {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let Ok(bytes) = std::fs::read(&path) else { continue };
            // Malformed fixtures are the parser's tests, not ours.
            let Ok(replay) = cricsheet::parse(&bytes) else { continue };
            check_match(&path.display().to_string(), &replay.events, 10);
            checked += 1;
        }
    }
    assert!(checked >= 11, "{checked} Cricsheet matches replayed");
}
