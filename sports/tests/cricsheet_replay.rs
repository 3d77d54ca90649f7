//! Cricsheet replay, checked against the official scorecard figures.
//!
//! Every real match in `shared/data/cricsheet` is parsed, folded through
//! the cricket engine, and the engine's snapshot is compared with figures
//! computed here straight from the raw JSON (plain `serde_json::Value`
//! walking: neither the parser nor the engine is used for the expected
//! side). Hand-written fixtures in `tests/fixtures/cricsheet` cover edge
//! cases and malformed input.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use livematch_sports::cricket::cadence::nominal_gap;
use livematch_sports::cricket::cricsheet::{self, CricsheetError, Replay};
use livematch_sports::cricket::{self as cricket, DismissalKind, InningsEndReason, Outcome};
use livematch_sports::{Envelope, Event, MatchState, Sport};
use serde_json::{Value, json};

const DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/cricsheet");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cricsheet");

// ---------------------------------------------------------------- inputs

/// (file name, bytes) of every real match file.
fn real_files() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(DATA_DIR);
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "the Cricsheet data directory {} cannot be read ({e}); these tests replay the real matches kept there \
             (shared/data/cricsheet beside the checkout)",
            dir.display()
        )
    });
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("read data directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no *.json match files in {}", dir.display());
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().expect("file name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (name, bytes)
        })
        .collect()
}

fn real_file(name: &str) -> Vec<u8> {
    let path = Path::new(DATA_DIR).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {} ({e}): shared Cricsheet data missing?", path.display()))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(FIXTURES).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read fixture {}: {e}", path.display()))
}

fn raw(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("raw JSON")
}

fn parse_ok(name: &str, bytes: &[u8]) -> Replay {
    cricsheet::parse(bytes).unwrap_or_else(|e| panic!("{name}: parse failed: {e}"))
}

fn parse_err(bytes: &[u8]) -> CricsheetError {
    match cricsheet::parse(bytes) {
        Ok(r) => panic!("expected an error, parsed {} events", r.events.len()),
        Err(e) => e,
    }
}

/// Fold the events through the engine, as the consumer would.
fn fold(id: &str, events: &[cricket::Event]) -> Result<MatchState, String> {
    let mut state = MatchState::new(id, Sport::Cricket);
    for (i, ev) in events.iter().enumerate() {
        let seq = i as u64 + 1;
        let env = Envelope::new(id, seq, 1_700_000_000_000 + seq as i64 * 1000, Event::Cricket(ev.clone()));
        state.apply(&env).map_err(|e| format!("{id}: event {seq} {ev:?} rejected: {e}"))?;
    }
    Ok(state)
}

// ------------------------------------- expected figures, straight from raw JSON

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

#[derive(Debug, Default, Clone, PartialEq)]
struct BatLine {
    runs: u64,
    balls: u64,
    fours: u64,
    sixes: u64,
    out: bool,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct BowlLine {
    legal_balls: u64,
    runs: u64,
    wickets: u64,
    maidens: u64,
}

#[derive(Debug, Default)]
struct Card {
    super_over: bool,
    /// From the innings' own `target`, when the file has one.
    target: Option<(u64, Option<u64>)>,
    runs: u64,
    wickets: u64,
    legal_balls: u64,
    /// In order of coming in.
    batting: Vec<(String, BatLine)>,
    /// In order of first bowling.
    bowling: Vec<(String, BowlLine)>,
    deliveries: u64,
}

fn line<'a, T: Default>(rows: &'a mut Vec<(String, T)>, name: &str) -> &'a mut T {
    let i = match rows.iter().position(|(n, _)| n == name) {
        Some(i) => i,
        None => {
            rows.push((name.to_string(), T::default()));
            rows.len() - 1
        }
    };
    &mut rows[i].1
}

const NOT_WICKETS: [&str; 2] = ["retired hurt", "retired not out"];
const CREDITED: [&str; 6] = ["bowled", "caught", "caught and bowled", "lbw", "stumped", "hit wicket"];

/// The official scorecard of every innings, computed from the raw file.
fn scorecard(m: &Value) -> Vec<Card> {
    let bpo = m["info"]["balls_per_over"].as_u64().unwrap_or(6);
    let mut cards = Vec::new();
    for inn in m["innings"].as_array().expect("innings array") {
        let mut c = Card {
            super_over: inn["super_over"].as_bool().unwrap_or(false),
            target: inn.get("target").map(|t| (num(&t["runs"]), t["overs"].as_u64())),
            ..Card::default()
        };
        for over in inn["overs"].as_array().expect("overs array") {
            let mut over_bowlers = BTreeSet::new();
            let (mut over_legal, mut over_bowler_runs) = (0, 0);
            for d in over["deliveries"].as_array().expect("deliveries array") {
                let runs = &d["runs"];
                let bat_runs = num(&runs["batter"]);
                let wides = num(&d["extras"]["wides"]);
                let noballs = num(&d["extras"]["noballs"]);
                let legal = wides == 0 && noballs == 0;
                c.deliveries += 1;
                c.runs += num(&runs["total"]);
                c.legal_balls += u64::from(legal);
                let batter = d["batter"].as_str().expect("batter");
                line(&mut c.batting, batter);
                line(&mut c.batting, d["non_striker"].as_str().expect("non_striker"));
                let b = line(&mut c.batting, batter);
                b.runs += bat_runs;
                b.balls += u64::from(wides == 0);
                if runs["non_boundary"].as_bool() != Some(true) {
                    b.fours += u64::from(bat_runs == 4);
                    b.sixes += u64::from(bat_runs == 6);
                }
                let bowler = d["bowler"].as_str().expect("bowler");
                over_bowlers.insert(bowler.to_string());
                let conceded = bat_runs + wides + noballs;
                over_legal += u64::from(legal);
                over_bowler_runs += conceded;
                let bw = line(&mut c.bowling, bowler);
                bw.runs += conceded;
                bw.legal_balls += u64::from(legal);
                for w in d["wickets"].as_array().into_iter().flatten() {
                    let kind = w["kind"].as_str().expect("kind");
                    if CREDITED.contains(&kind) {
                        line(&mut c.bowling, bowler).wickets += 1;
                    }
                    if !NOT_WICKETS.contains(&kind) {
                        c.wickets += 1;
                        line(&mut c.batting, w["player_out"].as_str().expect("player_out")).out = true;
                    }
                }
            }
            if over_bowlers.len() == 1 && over_legal >= bpo && over_bowler_runs == 0 {
                let bowler = over_bowlers.into_iter().next().expect("one bowler");
                line(&mut c.bowling, &bowler).maidens += 1;
            }
        }
        cards.push(c);
    }
    cards
}

fn total_deliveries(m: &Value) -> u64 {
    scorecard(m).iter().map(|c| c.deliveries).sum()
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

// --------------------------------------------- snapshot vs scorecard comparison

/// Every difference between the engine's snapshot and the scorecard.
fn compare(file: &str, snap: &Value, cards: &[Card]) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut check = |what: String, got: &Value, want: Value| {
        if *got != want {
            diffs.push(format!("{file} {what}: expected {want}, engine has {got}"));
        }
    };
    let innings = snap["innings"].as_array().cloned().unwrap_or_default();
    check("innings count".into(), &json!(innings.len()), json!(cards.len()));
    for (i, (got, card)) in innings.iter().zip(cards).enumerate() {
        let at = format!("innings[{i}]");
        check(format!("{at}.runs"), &got["runs"], json!(card.runs));
        check(format!("{at}.wickets"), &got["wickets"], json!(card.wickets));
        check(format!("{at}.legal_balls"), &got["legal_balls"], json!(card.legal_balls));
        check(format!("{at}.super_over"), &got["super_over"], json!(card.super_over));
        if let Some((runs, overs)) = card.target {
            check(format!("{at}.target"), &got["target"], json!(runs));
            if let Some(overs) = overs {
                check(format!("{at}.target_overs"), &got["target_overs"], json!(overs));
            }
        }
        let batting = got["batting"].as_array().cloned().unwrap_or_default();
        let got_names: Vec<&str> = batting.iter().filter_map(|b| b["name"].as_str()).collect();
        let want_names: Vec<&str> = card.batting.iter().map(|(n, _)| n.as_str()).collect();
        check(format!("{at}.batting order"), &json!(got_names), json!(want_names));
        for (name, want) in &card.batting {
            let row = batting.iter().find(|b| b["name"] == json!(name)).cloned().unwrap_or_default();
            let at = format!("{at}.batting[{name}]");
            check(format!("{at}.runs"), &row["runs"], json!(want.runs));
            check(format!("{at}.balls"), &row["balls"], json!(want.balls));
            check(format!("{at}.fours"), &row["fours"], json!(want.fours));
            check(format!("{at}.sixes"), &row["sixes"], json!(want.sixes));
            check(format!("{at}.out"), &row["out"], json!(want.out));
        }
        let bowling = got["bowling"].as_array().cloned().unwrap_or_default();
        let got_names: Vec<&str> = bowling.iter().filter_map(|b| b["name"].as_str()).collect();
        let want_names: Vec<&str> = card.bowling.iter().map(|(n, _)| n.as_str()).collect();
        check(format!("{at}.bowling order"), &json!(got_names), json!(want_names));
        for (name, want) in &card.bowling {
            let row = bowling.iter().find(|b| b["name"] == json!(name)).cloned().unwrap_or_default();
            let at = format!("{at}.bowling[{name}]");
            check(format!("{at}.legal_balls"), &row["legal_balls"], json!(want.legal_balls));
            check(format!("{at}.runs"), &row["runs"], json!(want.runs));
            check(format!("{at}.wickets"), &row["wickets"], json!(want.wickets));
            check(format!("{at}.maidens"), &row["maidens"], json!(want.maidens));
        }
    }
    diffs
}

/// Result, winner and status against `info.outcome`.
fn compare_result(file: &str, snap: &Value, m: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    let outcome = &m["info"]["outcome"];
    let text = snap["result"].as_str().unwrap_or_default();
    let status = snap["status"].as_str().unwrap_or_default();
    let mut need = |cond: bool, what: String| {
        if !cond {
            diffs.push(format!("{file}: {what} (result {text:?}, winner {}, status {status:?})", snap["winner"]));
        }
    };
    if let Some(winner) = outcome["winner"].as_str() {
        need(snap["winner"] == json!(winner), format!("winner should be {winner:?}"));
        need(text.contains(winner), format!("result text should name the winner {winner:?}"));
        if let Some(runs) = outcome["by"]["runs"].as_u64() {
            let margin = format!("won by {}", plural(runs, "run"));
            need(text.contains(&margin), format!("result text should say {margin:?}"));
        }
        if let Some(wickets) = outcome["by"]["wickets"].as_u64() {
            let margin = format!("won by {}", plural(wickets, "wicket"));
            need(text.contains(&margin), format!("result text should say {margin:?}"));
        }
        if let Some(method) = outcome["method"].as_str() {
            need(text.contains(method), format!("result text should mention the method {method:?}"));
        }
        need(status == "completed", "status should be \"completed\"".into());
    }
    match outcome["result"].as_str() {
        Some("tie") => {
            need(text.to_lowercase().contains("tie"), "result text should say tied".into());
            if let Some(through) = outcome["eliminator"].as_str() {
                need(snap["winner"] == json!(through), format!("winner should be the eliminator {through:?}"));
                need(text.contains(through), format!("result text should name the eliminator {through:?}"));
            }
            need(status == "completed", "status should be \"completed\"".into());
        }
        Some("no result") => {
            need(text == "No result", "result text should be \"No result\"".into());
            need(snap["winner"].is_null(), "no winner".into());
            need(status == "completed" || status == "abandoned", "status should be finished".into());
        }
        _ => {}
    }
    diffs
}

// ----------------------------------------------------- parser-only checks

/// Every real file parses, and the events carry exactly the file's deliveries.
#[test]
fn every_real_file_parses_with_the_files_deliveries() {
    for (name, bytes) in real_files() {
        let m = raw(&bytes);
        let replay = parse_ok(&name, &bytes);
        let cards = scorecard(&m);
        assert!(matches!(replay.events.first(), Some(cricket::Event::MatchStart(_))), "{name}: MatchStart first");
        assert!(matches!(replay.events.last(), Some(cricket::Event::Result(_))), "{name}: Result last");
        assert_eq!(replay.deliveries().count() as u64, total_deliveries(&m), "{name}: delivery count");

        // Per innings: runs, legal balls, wickets, super-over flag.
        let mut per_innings: Vec<(u64, u64, u64, bool)> = Vec::new();
        for ev in &replay.events {
            match ev {
                cricket::Event::InningsStart { super_over, .. } => per_innings.push((0, 0, 0, *super_over)),
                cricket::Event::Delivery(d) => {
                    let cur = per_innings.last_mut().expect("delivery inside an innings");
                    cur.0 += u64::from(d.total_runs());
                    cur.1 += u64::from(d.is_legal());
                    cur.2 += d.wickets.iter().filter(|w| w.kind.counts_as_wicket()).count() as u64;
                }
                _ => {}
            }
        }
        let want: Vec<(u64, u64, u64, bool)> =
            cards.iter().map(|c| (c.runs, c.legal_balls, c.wickets, c.super_over)).collect();
        assert_eq!(per_innings, want, "{name}: (runs, legal balls, wickets, super over) per innings");

        let info = &m["info"];
        assert_eq!(json!(replay.info.teams), info["teams"], "{name}: teams");
        assert_eq!(replay.info.balls_per_over as u64, info["balls_per_over"].as_u64().unwrap_or(6), "{name}");
        for (team, squad) in replay.info.teams.iter().zip(&replay.info.squads) {
            assert_eq!(json!(squad), info["players"][team], "{name}: squad of {team}");
        }
        assert_eq!(replay.data_version, m["meta"]["data_version"].as_str().expect("version"), "{name}");
    }
}

/// Structure of the stream: a BowlerChange before every over and whenever
/// the bowler changes, ball indexes counting extras, deliveries as in the file.
#[test]
fn deliveries_follow_the_file_ball_by_ball() {
    for (name, bytes) in real_files() {
        let m = raw(&bytes);
        let replay = parse_ok(&name, &bytes);
        let file_balls: Vec<(usize, u64, u64, &Value)> = m["innings"]
            .as_array()
            .expect("innings")
            .iter()
            .enumerate()
            .flat_map(|(i, inn)| {
                inn["overs"].as_array().expect("overs").iter().flat_map(move |o| {
                    o["deliveries"]
                        .as_array()
                        .expect("deliveries")
                        .iter()
                        .enumerate()
                        .map(move |(k, d)| (i, num(&o["over"]), k as u64 + 1, d))
                })
            })
            .collect();
        let mut innings = 0usize;
        let mut bowler: Option<(u32, String)> = None;
        let mut next = file_balls.iter();
        let mut changes = 0;
        for ev in &replay.events {
            match ev {
                cricket::Event::InningsStart { number, .. } => {
                    innings = *number as usize;
                    bowler = None;
                }
                cricket::Event::BowlerChange { over, bowler: b } => {
                    changes += 1;
                    bowler = Some((*over, b.clone()));
                }
                cricket::Event::Delivery(d) => {
                    let (i, over, ball, raw_d) = next.next().expect("more deliveries than in the file");
                    let at = format!("{name} innings[{i}] over {over} ball {ball}");
                    assert_eq!(innings, i + 1, "{at}: delivery in the wrong innings");
                    assert_eq!((u64::from(d.over), u64::from(d.ball)), (*over, *ball), "{at}");
                    assert_eq!(bowler, Some((d.over, d.bowler.clone())), "{at}: no BowlerChange for this bowler");
                    assert_eq!(json!(d.batter), raw_d["batter"], "{at}");
                    assert_eq!(json!(d.non_striker), raw_d["non_striker"], "{at}");
                    assert_eq!(json!(d.bowler), raw_d["bowler"], "{at}");
                    assert_eq!(u64::from(d.runs_batter), num(&raw_d["runs"]["batter"]), "{at}");
                    let ex = &raw_d["extras"];
                    let e = d.extras;
                    assert_eq!(
                        [e.wides, e.noballs, e.byes, e.legbyes, e.penalty].map(u64::from),
                        ["wides", "noballs", "byes", "legbyes", "penalty"].map(|k| num(&ex[k])),
                        "{at}: extras by kind"
                    );
                    let raw_w = raw_d["wickets"].as_array().cloned().unwrap_or_default();
                    assert_eq!(d.wickets.len(), raw_w.len(), "{at}");
                    for (w, rw) in d.wickets.iter().zip(&raw_w) {
                        assert_eq!(Some(w.kind), DismissalKind::from_cricsheet(rw["kind"].as_str().expect("kind")));
                        assert_eq!(json!(w.player_out), rw["player_out"], "{at}");
                        let fielders: Vec<Value> = w.fielders.iter().map(|f| json!([f.name, f.substitute])).collect();
                        let want: Vec<Value> = rw["fielders"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|f| json!([f["name"], f["substitute"].as_bool().unwrap_or(false)]))
                            .collect();
                        assert_eq!(fielders, want, "{at}: fielders");
                    }
                }
                _ => {}
            }
        }
        assert!(next.next().is_none(), "{name}: deliveries missing from the events");
        let overs: usize =
            m["innings"].as_array().expect("innings").iter().map(|i| i["overs"].as_array().map_or(0, Vec::len)).sum();
        assert!(changes >= overs, "{name}: {changes} bowler changes for {overs} overs");
    }
}

/// Innings ends: the reason follows from the figures and the outcome.
#[test]
fn innings_end_reasons_follow_the_outcome() {
    for (name, bytes) in real_files() {
        let m = raw(&bytes);
        let replay = parse_ok(&name, &bytes);
        let cards = scorecard(&m);
        let reasons: Vec<InningsEndReason> = replay
            .events
            .iter()
            .filter_map(|e| match e {
                cricket::Event::InningsEnd { reason, .. } => Some(*reason),
                _ => None,
            })
            .collect();
        assert_eq!(reasons.len(), cards.len(), "{name}: one InningsEnd per innings");
        let overs = m["info"]["overs"].as_u64().expect("overs");
        for (i, (reason, card)) in reasons.iter().zip(&cards).enumerate() {
            let all_out = if card.super_over { 2 } else { 10 };
            let max_balls = if card.super_over { 6 } else { card.target.and_then(|t| t.1).unwrap_or(overs) * 6 };
            let want = if card.target.is_some_and(|t| card.runs >= t.0) {
                InningsEndReason::TargetReached
            } else if card.wickets >= all_out {
                InningsEndReason::AllOut
            } else if card.legal_balls >= max_balls {
                InningsEndReason::OversComplete
            } else {
                InningsEndReason::Interrupted
            };
            assert_eq!(*reason, want, "{name} innings[{i}]");
        }
        // Cross-check with the outcome: a win by wickets ends with the chase complete.
        if m["info"]["outcome"]["by"]["wickets"].is_u64() {
            assert_eq!(reasons.last(), Some(&InningsEndReason::TargetReached), "{name}");
        }
        if m["info"]["outcome"]["result"] == json!("no result") {
            assert_eq!(reasons.last(), Some(&InningsEndReason::Interrupted), "{name}");
        }
    }
}

#[test]
fn results_follow_info_outcome() {
    for (name, bytes) in real_files() {
        let m = raw(&bytes);
        let outcome = &m["info"]["outcome"];
        let r = parse_ok(&name, &bytes).result;
        assert_eq!(json!(r.method), outcome["method"], "{name}: method");
        match outcome["result"].as_str() {
            None => {
                assert_eq!(r.outcome, Outcome::Win, "{name}");
                assert_eq!(json!(r.winner), outcome["winner"], "{name}");
                assert_eq!(r.by_runs.map(u64::from), outcome["by"]["runs"].as_u64(), "{name}");
                assert_eq!(r.by_wickets.map(u64::from), outcome["by"]["wickets"].as_u64(), "{name}");
            }
            Some("tie") => {
                assert_eq!(r.outcome, Outcome::Tie, "{name}");
                assert_eq!(json!(r.eliminator), outcome["eliminator"], "{name}");
                assert_eq!(json!(r.winner), outcome["eliminator"], "{name}");
            }
            Some("no result") => {
                assert_eq!(r.outcome, Outcome::NoResult, "{name}");
                assert_eq!(r.winner, None, "{name}");
            }
            Some(other) => panic!("{name}: unexpected result {other} in the data set"),
        }
    }
}

#[test]
fn super_over_innings_are_flagged_and_chased() {
    let bytes = real_file("1175365.json");
    let replay = parse_ok("1175365.json", &bytes);
    let starts: Vec<(u32, bool, Option<cricket::Target>, Option<u32>)> = replay
        .events
        .iter()
        .filter_map(|e| match e {
            cricket::Event::InningsStart { number, super_over, target, max_overs, .. } => {
                Some((*number, *super_over, *target, *max_overs))
            }
            _ => None,
        })
        .collect();
    let flags: Vec<(u32, bool)> = starts.iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(flags, [(1, false), (2, false), (3, true), (4, true)]);
    assert_eq!(starts[2].3, Some(1), "a super over is one over");
    // The file gives no target for the super-over chase: derived from innings 3.
    let cards = scorecard(&raw(&bytes));
    assert!(cards[3].target.is_none(), "the file itself has no super-over target");
    assert_eq!(starts[3].2, Some(cricket::Target { runs: cards[2].runs as u32 + 1, overs: Some(1) }));
    assert_eq!(starts[2].2, None);
}

#[test]
fn dl_match_revises_the_target_before_the_chase() {
    let bytes = real_file("1082648.json");
    let m = raw(&bytes);
    let replay = parse_ok("1082648.json", &bytes);
    let t = &m["innings"][1]["target"];
    let (runs, overs) = (num(&t["runs"]), num(&t["overs"]));
    assert_eq!((runs, overs), (48, 6), "the data set's D/L match: 48 in 6 overs");
    let start = replay
        .events
        .iter()
        .position(|e| matches!(e, cricket::Event::InningsStart { number: 2, .. }))
        .expect("second innings");
    assert_eq!(
        replay.events[start + 1],
        cricket::Event::TargetRevision { runs: 48, overs: 6, method: "D/L".into() },
        "TargetRevision right after InningsStart 2, before its first ball"
    );
    let revisions = replay.events.iter().filter(|e| matches!(e, cricket::Event::TargetRevision { .. })).count();
    assert_eq!(revisions, 1);
    // No revision in matches decided without a rain rule.
    for (name, bytes) in real_files() {
        let m = raw(&bytes);
        if m["info"]["outcome"]["method"].is_null() {
            let r = parse_ok(&name, &bytes);
            assert!(!r.events.iter().any(|e| matches!(e, cricket::Event::TargetRevision { .. })), "{name}");
        }
    }
}

#[test]
fn replacements_are_mapped() {
    let bytes = real_file("1082622.json");
    let replay = parse_ok("1082622.json", &bytes);
    let reps: Vec<&cricket::Event> =
        replay.events.iter().filter(|e| matches!(e, cricket::Event::Replacement { .. })).collect();
    assert_eq!(
        reps,
        [&cricket::Event::Replacement {
            team: "Delhi Daredevils".into(),
            player_in: "CJ Anderson".into(),
            player_out: Some("Z Khan".into()),
            reason: Some("bowler: injury".into()),
        }]
    );
    // Replacement, then the mid-over bowler change, then the ball.
    let i = replay.events.iter().position(|e| matches!(e, cricket::Event::Replacement { .. })).expect("replacement");
    assert_eq!(replay.events[i + 1], cricket::Event::BowlerChange { over: 2, bowler: "CJ Anderson".into() });
    assert!(matches!(&replay.events[i + 2], cricket::Event::Delivery(d) if d.ball == 2 && d.bowler == "CJ Anderson"));
}

/// Realistic pacing: a replay at speed 1 lasts about as long as the match did.
#[test]
fn cadence_paces_real_matches_like_real_life() {
    for (name, bytes) in real_files() {
        let replay = parse_ok(&name, &bytes);
        let mut total = Duration::ZERO;
        let mut prev = None;
        for ev in &replay.events {
            total += nominal_gap(prev, ev);
            prev = Some(ev);
        }
        let balls = replay.deliveries().count() as f64;
        let overs = balls / 6.0;
        let minutes = total.as_secs_f64() / 60.0;
        // A T20 over takes about 4 minutes; allow 3 to 5.5 minutes per over plus breaks.
        assert!(
            minutes >= overs * 3.0 && minutes <= overs * 5.5 + 30.0,
            "{name}: {minutes:.0} min for {overs:.1} overs"
        );
    }
}

// -------------------------------------------------- engine comparison

/// The engine's scorecard equals the official one, for every real match.
#[test]
fn engine_scorecards_match_the_official_figures() {
    let mut problems = Vec::new();
    for (name, bytes) in real_files() {
        let m = raw(&bytes);
        let replay = parse_ok(&name, &bytes);
        match fold(&name, &replay.events) {
            Ok(state) => {
                let snap = state.snapshot();
                problems.extend(compare(&name, &snap, &scorecard(&m)));
                problems.extend(compare_result(&name, &snap, &m));
            }
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}

/// The same comparison for the hand-written edge cases.
#[test]
fn engine_scorecards_match_for_edge_case_fixtures() {
    let mut problems = Vec::new();
    for name in ["edge_cases.json", "tie_bowl_out.json", "dls_reduced.json"] {
        let bytes = fixture(name);
        let m = raw(&bytes);
        let replay = parse_ok(name, &bytes);
        match fold(name, &replay.events) {
            Ok(state) => {
                let snap = state.snapshot();
                problems.extend(compare(name, &snap, &scorecard(&m)));
                problems.extend(compare_result(name, &snap, &m));
            }
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn engine_shows_super_over_dl_target_and_no_result() {
    let replay = parse_ok("1175365.json", &real_file("1175365.json"));
    let snap = fold("so", &replay.events).expect("fold").snapshot();
    let flags: Vec<Value> =
        snap["innings"].as_array().expect("innings").iter().map(|i| i["super_over"].clone()).collect();
    assert_eq!(flags, [json!(false), json!(false), json!(true), json!(true)]);

    let replay = parse_ok("1082648.json", &real_file("1082648.json"));
    let snap = fold("dl", &replay.events).expect("fold").snapshot();
    assert_eq!((&snap["innings"][1]["target"], &snap["innings"][1]["target_overs"]), (&json!(48), &json!(6)));

    let replay = parse_ok("501265.json", &real_file("501265.json"));
    let snap = fold("nr", &replay.events).expect("fold").snapshot();
    assert_eq!(snap["result"], json!("No result"));
}

// ------------------------------------------------------ edge-case fixtures

#[test]
fn edge_case_fixture_maps_every_feature() {
    let bytes = fixture("edge_cases.json");
    let m = raw(&bytes);
    assert!(m["innings"][0]["overs"][1]["deliveries"][5]["future_field"].is_object(), "fixture has unknown fields");
    let replay = parse_ok("edge_cases.json", &bytes);
    let ev = &replay.events;
    let deliveries: Vec<&cricket::Delivery> = replay.deliveries().collect();

    // Wide, non-boundary four, no-ball with a hit, penalty, wide to the boundary.
    assert_eq!(deliveries[1].extras.wides, 1);
    assert!(deliveries[2].non_boundary && deliveries[2].runs_batter == 4);
    assert_eq!((deliveries[3].extras.noballs, deliveries[3].runs_batter), (1, 1));
    assert_eq!(deliveries[9].extras.penalty, 5);
    assert!(deliveries[9].is_legal());
    assert_eq!(deliveries[16].extras.wides, 5);
    // Ball index counts extras: the 8th delivery of the first over.
    assert_eq!((deliveries[7].over, deliveries[7].ball), (0, 8));
    // Caught by a substitute; run out; retired hurt (not a wicket).
    let w = &deliveries[5].wickets[0];
    assert_eq!((w.kind, w.fielders[0].name.as_str(), w.fielders[0].substitute), (DismissalKind::Caught, "S1", true));
    assert_eq!(deliveries[10].wickets[0].kind, DismissalKind::RunOut);
    assert_eq!(deliveries[10].wickets[0].player_out, "A3");
    assert!(!deliveries[11].wickets[0].kind.counts_as_wicket());

    // Mid-over role replacement: Replacement, BowlerChange, Delivery.
    let i = ev
        .iter()
        .position(|e| matches!(e, cricket::Event::Replacement { reason: Some(r), .. } if r == "bowler: injury"))
        .expect("role replacement");
    assert_eq!(
        ev[i],
        cricket::Event::Replacement {
            team: "Beta".into(),
            player_in: "B3".into(),
            player_out: Some("B2".into()),
            reason: Some("bowler: injury".into()),
        }
    );
    assert_eq!(ev[i + 1], cricket::Event::BowlerChange { over: 1, bowler: "B3".into() });
    // Whole-match (concussion) replacement, before the over's BowlerChange.
    let j = ev
        .iter()
        .position(|e| matches!(e, cricket::Event::Replacement { player_in, .. } if player_in == "A12"))
        .expect("match replacement");
    assert_eq!(
        ev[j],
        cricket::Event::Replacement {
            team: "Alpha".into(),
            player_in: "A12".into(),
            player_out: Some("A9".into()),
            reason: Some("concussion_substitute".into()),
        }
    );
    assert_eq!(ev[j + 1], cricket::Event::BowlerChange { over: 1, bowler: "A11".into() });

    // Target from the file; innings ends; result; match info.
    let target = ev.iter().find_map(|e| match e {
        cricket::Event::InningsStart { number: 2, target, max_overs, .. } => Some((*target, *max_overs)),
        _ => None,
    });
    assert_eq!(target, Some((Some(cricket::Target { runs: 27, overs: Some(2) }), Some(2))));
    let ends: Vec<&cricket::Event> = ev.iter().filter(|e| matches!(e, cricket::Event::InningsEnd { .. })).collect();
    assert_eq!(
        ends,
        [
            &cricket::Event::InningsEnd { number: 1, reason: InningsEndReason::OversComplete },
            &cricket::Event::InningsEnd { number: 2, reason: InningsEndReason::TargetReached },
        ]
    );
    assert_eq!(replay.result.winner.as_deref(), Some("Beta"));
    assert_eq!(replay.result.by_wickets, Some(9));
    assert_eq!(replay.info.squads[0].len(), 12, "squads from info.players");
    assert_eq!(replay.info.venue.as_deref(), Some("Fixture Oval, Testville"));
    assert_eq!(replay.info.title.as_deref(), Some("Fixture Cup, match 1: Alpha v Beta"));
    assert!(
        matches!(ev[1], cricket::Event::Toss { ref winner, decision: cricket::TossDecision::Bat } if winner == "Alpha")
    );
}

#[test]
fn tie_by_bowl_out_without_players_or_targets() {
    let replay = parse_ok("tie_bowl_out.json", &fixture("tie_bowl_out.json"));
    assert_eq!(replay.info.format, cricket::Format::T20, "IT20 is a T20");
    assert_eq!(replay.data_version, "1.0.0");
    // No info.players: squads are everyone seen playing, in order of appearance.
    assert_eq!(replay.info.squads[0], ["A1", "A2"]);
    assert_eq!(replay.info.squads[1], ["B1", "B2", "B3"]);
    let chase = replay.events.iter().find_map(|e| match e {
        cricket::Event::InningsStart { number: 2, target, .. } => Some(*target),
        _ => None,
    });
    assert_eq!(chase, Some(Some(cricket::Target { runs: 8, overs: Some(1) })), "derived: 7 + 1 in the scheduled over");
    assert_eq!(replay.result.outcome, Outcome::Tie);
    assert_eq!(replay.result.eliminator.as_deref(), Some("Beta"));
    assert_eq!(replay.result.winner.as_deref(), Some("Beta"));
}

#[test]
fn dls_target_with_a_part_over() {
    let replay = parse_ok("dls_reduced.json", &fixture("dls_reduced.json"));
    assert_eq!(replay.info.format, cricket::Format::Odi);
    let i =
        replay.events.iter().position(|e| matches!(e, cricket::Event::InningsStart { number: 2, .. })).expect("chase");
    // 1.3 overs: the revision and the allotment round up to 2 overs.
    assert!(matches!(&replay.events[i], cricket::Event::InningsStart { max_overs: Some(2), .. }));
    assert_eq!(replay.events[i + 1], cricket::Event::TargetRevision { runs: 10, overs: 2, method: "DLS".into() });
    assert!(matches!(
        replay.events[replay.events.len() - 2],
        cricket::Event::InningsEnd { number: 2, reason: InningsEndReason::TargetReached }
    ));
}

// ------------------------------------------------------- malformed input

fn edge_with(f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v = raw(&fixture("edge_cases.json"));
    f(&mut v);
    serde_json::to_vec(&v).expect("serialize")
}

fn assert_error(err: &CricsheetError, label: &str, path: &str, words: &str) {
    let text = err.to_string();
    assert_eq!(err.metric_label(), label, "{text}");
    assert_eq!(err.path(), path, "{text}");
    assert!(text.contains(path), "message should name the path {path}: {text}");
    assert!(text.contains(words), "message should say {words:?}: {text}");
}

#[test]
fn truncated_files_are_reported_as_truncated() {
    let bytes = fixture("edge_cases.json");
    let step = bytes.len() / 97;
    for cut in (0..bytes.len() - 1).step_by(step.max(1)) {
        let err = parse_err(&bytes[..cut]);
        assert_eq!(err.metric_label(), "truncated", "cut at {cut}: {err}");
        assert!(err.to_string().contains("truncated"), "{err}");
    }
    // Cut inside the second innings: the message says where.
    let at = bytes.windows(8).rposition(|w| w == b"\"legbyes").expect("legbyes in innings 2");
    let err = parse_err(&bytes[..at + 3]);
    assert!(err.path().starts_with("innings[1].overs[1].deliveries[1]"), "{err}");
    assert!(err.to_string().contains("innings[1].overs[1].deliveries[1]"), "{err}");
}

#[test]
fn trailing_garbage_and_non_json_are_syntax_errors() {
    let mut bytes = fixture("edge_cases.json");
    bytes.extend_from_slice(b"\n{oops");
    assert_eq!(parse_err(&bytes).metric_label(), "syntax");
    assert_eq!(parse_err(b"<html>not json</html>").metric_label(), "syntax");
    assert_error(&parse_err(b"\"a match\""), "schema", ".", "expected a Cricsheet match object");
}

#[test]
fn wrong_types_name_the_field_path() {
    let err = parse_err(&fixture("wrong_type.json"));
    assert_error(&err, "schema", "innings[1].overs[0].deliveries[2].runs.batter", "expected a non-negative integer");
    let err = parse_err(&edge_with(|v| v["innings"][0]["overs"][1]["deliveries"][4]["runs"]["batter"] = json!(-2)));
    assert_error(&err, "schema", "innings[0].overs[1].deliveries[4].runs.batter", "expected a non-negative integer");
    let err = parse_err(&edge_with(|v| v["info"]["teams"] = json!("Alpha v Beta")));
    assert_error(&err, "schema", "info.teams", "expected a sequence");
    let err =
        parse_err(&edge_with(|v| v["innings"][1]["overs"][0]["deliveries"][4]["wickets"] = json!({"kind": "lbw"})));
    assert_error(&err, "schema", "innings[1].overs[0].deliveries[4].wickets", "expected a sequence");
}

#[test]
fn missing_required_fields_name_the_field_path() {
    let err = parse_err(&fixture("missing_field.json"));
    assert_error(&err, "schema", "innings[0].overs[1].deliveries[0].bowler", "missing required field");
    let err = parse_err(&edge_with(|v| {
        v["info"].as_object_mut().expect("info").remove("teams");
    }));
    assert_error(&err, "schema", "info.teams", "missing required field");
    let err = parse_err(&edge_with(|v| {
        v["innings"][1]["overs"][1]["deliveries"][2]["runs"].as_object_mut().expect("runs").remove("total");
    }));
    assert_error(&err, "schema", "innings[1].overs[1].deliveries[2].runs.total", "missing required field");
    let err = parse_err(&edge_with(|v| {
        v.as_object_mut().expect("root").remove("meta");
    }));
    assert_error(&err, "schema", "meta", "missing required field");
}

#[test]
fn unsupported_versions_and_match_types_are_rejected() {
    let err = parse_err(&fixture("future_version.json"));
    assert_error(&err, "unsupported_version", "meta.data_version", "\"2.0.0\"");
    for version in ["0.9.0", "v1", "", "1"] {
        let err = parse_err(&edge_with(|v| v["meta"]["data_version"] = json!(version)));
        assert_eq!(err.metric_label(), "unsupported_version", "{version:?}: {err}");
    }
    let err = parse_err(&edge_with(|v| v["info"]["match_type"] = json!("Test")));
    assert_error(&err, "unsupported_match_type", "info.match_type", "\"Test\"");
}

#[test]
fn inconsistent_values_name_the_field_path() {
    let err = parse_err(&fixture("one_team.json"));
    assert_error(&err, "invalid", "info.teams", "expected 2 teams, found 1");
    let err = parse_err(&edge_with(|v| v["innings"][1]["team"] = json!("Gamma")));
    assert_error(&err, "invalid", "innings[1].team", "\"Gamma\" is not one of info.teams");
    let err = parse_err(&edge_with(|v| v["info"]["outcome"]["winner"] = json!("Gamma")));
    assert_error(&err, "invalid", "info.outcome.winner", "\"Gamma\"");
    let err = parse_err(&edge_with(|v| v["info"]["toss"]["decision"] = json!("bowl")));
    assert_error(&err, "invalid", "info.toss.decision", "\"bowl\"");
    let err = parse_err(&edge_with(|v| {
        v["innings"][1]["overs"][0]["deliveries"][4]["wickets"][0]["kind"] = json!("bored out")
    }));
    assert_error(&err, "invalid", "innings[1].overs[0].deliveries[4].wickets[0].kind", "unknown dismissal kind");
    let err = parse_err(&edge_with(|v| v["innings"][0]["overs"][0]["deliveries"][0]["runs"]["total"] = json!(3)));
    assert_error(&err, "invalid", "innings[0].overs[0].deliveries[0].runs.total", "is not batter 1 + extras 0");
    let err = parse_err(&edge_with(|v| v["innings"][0]["overs"][1]["deliveries"][1]["extras"]["penalty"] = json!(4)));
    assert_error(&err, "invalid", "innings[0].overs[1].deliveries[1].runs.extras", "add up to 4");
    let err = parse_err(&edge_with(|v| v["info"]["outcome"] = json!({"result": "abandoned in disgust"})));
    assert_error(&err, "invalid", "info.outcome.result", "unknown result");
}

#[test]
fn unknown_fields_are_ignored() {
    // The fixture carries unknown fields at every level (root, meta, info,
    // innings, delivery); stripping them changes nothing.
    let with = parse_ok("edge_cases.json", &fixture("edge_cases.json"));
    let without = parse_ok(
        "stripped",
        &edge_with(|v| {
            v.as_object_mut().expect("root").remove("top_level_extension");
            v["meta"].as_object_mut().expect("meta").remove("future_meta");
            v["info"].as_object_mut().expect("info").remove("some_new_info_field");
            v["innings"][0].as_object_mut().expect("innings").remove("powerplays");
            v["innings"][0]["overs"][1]["deliveries"][5].as_object_mut().expect("ball").remove("future_field");
        }),
    );
    assert_eq!(with.events, without.events);
}

/// The comparison itself catches a wrong figure (guards against a vacuous pass).
#[test]
fn comparison_detects_a_wrong_figure() {
    let bytes = real_file("335982.json");
    let m = raw(&bytes);
    let snap = fold("cmp", &parse_ok("335982.json", &bytes).events).expect("fold").snapshot();
    let mut cards = scorecard(&m);
    assert!(compare("335982.json", &snap, &cards).is_empty());
    cards[0].batting[0].1.runs += 1;
    cards[1].bowling[0].1.maidens += 1;
    cards[1].wickets -= 1;
    let diffs = compare("335982.json", &snap, &cards);
    assert_eq!(diffs.len(), 3, "{diffs:#?}");
    for what in ["innings[0].batting[SC Ganguly].runs", "innings[1].wickets", "maidens"] {
        assert!(diffs.iter().any(|d| d.contains(what)), "{what} not reported: {diffs:#?}");
    }
    // Results too.
    let mut wrong = m.clone();
    wrong["info"]["outcome"]["by"]["runs"] = json!(139);
    assert_eq!(compare_result("335982.json", &snap, &wrong).len(), 1);
}

#[test]
#[ignore = "debug aid: prints the engine's snapshot of each real match"]
fn print_snapshots() {
    for (name, bytes) in real_files() {
        let snap = fold(&name, &parse_ok(&name, &bytes).events).expect("fold").snapshot();
        let innings: Vec<Value> = snap["innings"]
            .as_array()
            .expect("innings")
            .iter()
            .map(|i| {
                json!([i["team"], i["runs"], i["wickets"], i["overs"], i["target"], i["target_overs"], i["end_reason"]])
            })
            .collect();
        println!("{name}: {} | {} | winner {} | {}", snap["status"], snap["result"], snap["winner"], json!(innings));
    }
}

/// Counts up to `u32::MAX` are taken as written (no overflow anywhere in
/// the parser); one more is rejected with the field path.
#[test]
fn huge_counts_do_not_overflow() {
    let max = u64::from(u32::MAX);
    let bytes = edge_with(|v| {
        for k in [0, 3] {
            v["innings"][0]["overs"][1]["deliveries"][k]["runs"] = json!({"batter": max, "extras": 0, "total": max});
        }
        v["innings"][1]["target"] = json!({"runs": max, "overs": max});
    });
    let replay = parse_ok("huge", &bytes);
    let huge: Vec<u32> = replay.deliveries().map(|d| d.runs_batter).filter(|r| u64::from(*r) == max).collect();
    assert_eq!(huge.len(), 2);
    let err =
        parse_err(&edge_with(|v| v["innings"][0]["overs"][1]["deliveries"][0]["runs"]["batter"] = json!(max + 1)));
    assert_error(&err, "schema", "innings[0].overs[1].deliveries[0].runs.batter", "expected a non-negative integer");
    let err = parse_err(&edge_with(|v| {
        v["innings"][0]["overs"][1]["deliveries"][0]["extras"] = json!({"wides": max, "byes": max});
        v["innings"][0]["overs"][1]["deliveries"][0]["runs"] = json!({"batter": 0, "extras": max, "total": max});
    }));
    assert_error(&err, "invalid", "innings[0].overs[1].deliveries[0].runs.extras", "add up to 8589934590");
}
