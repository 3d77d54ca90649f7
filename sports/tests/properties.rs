//! Properties over many seeds, for every sport, through the sport-neutral
//! entry points (`sim::simulate`, `MatchState`): a simulated match is
//! lawful from the first event to the last and ends completed; each
//! applied envelope's patch turns the viewers' previous document into the
//! new one; the score in the header agrees with the detail the views show.

use livematch_sports::patch::apply_patch;
use livematch_sports::sim::{SimSpec, simulate};
use livematch_sports::{Envelope, Format, MatchState, Sport, Status};
use proptest::prelude::*;
use serde_json::Value;

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// Fold a simulated match through the engine, checking every patch against
/// the engine's snapshots; returns the final state.
fn fold(spec: &SimSpec) -> MatchState {
    let events = simulate(spec).expect("a valid spec");
    let mut state = MatchState::new("m", spec.sport);
    let mut doc = Value::Null;
    for (i, ev) in events.into_iter().enumerate() {
        let env = Envelope::new("m", i as u64 + 1, 1_000 * i as i64, ev);
        let applied = state.apply(&env).unwrap_or_else(|e| panic!("{spec:?} event {}: {e}", i + 1));
        apply_patch(&mut doc, &applied.patch.ops()).unwrap_or_else(|e| panic!("{spec:?} seq {}: {e}", i + 1));
        assert_eq!(doc, state.snapshot(), "{spec:?} seq {}: patched document differs", i + 1);
        assert!(state.commentary().is_some());
    }
    assert_eq!(state.snapshot_text(), state.snapshot().to_string(), "{spec:?}: stored snapshot text");
    state
}

fn football_adds_up(snap: &Value) {
    let goals = ["goal", "own_goal", "penalty_goal"];
    for s in 0..2u64 {
        let in_timeline = snap["timeline"]
            .as_array()
            .expect("test data")
            .iter()
            .filter(|k| k["team"] == s && goals.contains(&k["kind"].as_str().unwrap_or("")))
            .count() as u64;
        assert_eq!(n(&snap["score"][s as usize]), in_timeline);
        let by_period: u64 =
            snap["periods"].as_array().expect("test data").iter().map(|p| n(&p["goals"][s as usize])).sum();
        assert_eq!(n(&snap["score"][s as usize]), by_period);
    }
}

fn basketball_adds_up(snap: &Value) {
    for s in 0..2 {
        let pts: u64 = snap["box"][s]["players"].as_array().expect("test data").iter().map(|r| n(&r["pts"])).sum();
        assert_eq!(n(&snap["score"][s]), pts);
    }
    assert_ne!(snap["score"][0], snap["score"][1]);
}

fn tennis_adds_up(snap: &Value) {
    let sets = snap["sets"].as_array().expect("test data");
    for p in 0..2u64 {
        let won = sets.iter().filter(|s| s["winner"] == p).count() as u64;
        assert_eq!(n(&snap["sets_won"][p as usize]), won);
    }
    let winner = snap["sets_won"].as_array().expect("test data").iter().map(n).max().unwrap_or(0);
    assert_eq!(winner, n(&snap["best_of"]) / 2 + 1);
    assert!(sets.iter().all(|s| !s["winner"].is_null()), "no set left unfinished");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn football_matches_end_completed_and_add_up(seed in any::<u64>(), knockout in any::<bool>()) {
        let format = if knockout { Format::Knockout } else { Format::League };
        let state = fold(&SimSpec::new(Sport::Football, seed).format(format));
        prop_assert_eq!(state.status(), Status::Completed);
        let snap = state.snapshot();
        football_adds_up(&snap);
        if knockout {
            prop_assert!(snap["winner"].is_string());
        }
    }

    #[test]
    fn basketball_games_end_completed_and_add_up(seed in any::<u64>(), fiba in any::<bool>()) {
        let format = if fiba { Format::Fiba } else { Format::Nba };
        let state = fold(&SimSpec::new(Sport::Basketball, seed).format(format));
        prop_assert_eq!(state.status(), Status::Completed);
        basketball_adds_up(&state.snapshot());
    }

    #[test]
    fn tennis_matches_end_completed_and_add_up(seed in any::<u64>(), k in 0usize..3) {
        let format = [Format::BestOf3, Format::BestOf5, Format::BestOf3MatchTiebreak][k];
        let state = fold(&SimSpec::new(Sport::Tennis, seed).format(format));
        prop_assert_eq!(state.status(), Status::Completed);
        tennis_adds_up(&state.snapshot());
    }

    #[test]
    fn cricket_through_the_neutral_entry_point(seed in any::<u64>()) {
        let state = fold(&SimSpec::new(Sport::Cricket, seed));
        prop_assert!(state.status().is_finished());
    }

    #[test]
    fn named_sides_play_whatever_the_sport(seed in any::<u64>(), k in 0usize..4) {
        let sport = Sport::ALL[k];
        let events = simulate(&SimSpec::new(sport, seed).with_teams("Alpha Town", "Beta City")).expect("valid");
        let state = fold(&SimSpec::new(sport, seed).with_teams("Alpha Town", "Beta City"));
        prop_assert_eq!(state.lobby_entry().teams, vec!["Alpha Town".to_string(), "Beta City".to_string()]);
        prop_assert!(events.iter().all(|e| e.sport() == sport));
    }
}

#[test]
fn specs_are_checked() {
    use livematch_sports::sim::SimError;
    let wrong = simulate(&SimSpec::new(Sport::Tennis, 1).format(Format::Nba));
    assert_eq!(wrong.unwrap_err(), SimError::WrongFormat { sport: Sport::Tennis, format: Format::Nba });
    let same = simulate(&SimSpec::new(Sport::Football, 1).with_teams("Arsenal", " arsenal "));
    assert_eq!(same.unwrap_err().metric_label(), "same_team");
    let empty = simulate(&SimSpec::new(Sport::Basketball, 1).with_teams("", "Spain"));
    assert_eq!(empty.unwrap_err(), SimError::EmptyTeamName);
    for sport in Sport::ALL {
        for &format in sport.formats() {
            let a = simulate(&SimSpec::new(sport, 9).format(format)).expect("valid");
            assert_eq!(a, simulate(&SimSpec::new(sport, 9).format(format)).expect("valid"), "{sport} {format}");
            assert!(a.len() > 50, "{sport} {format}: {} events", a.len());
        }
    }
}

#[test]
fn the_wire_format_names_each_sport() {
    for sport in Sport::ALL {
        let events = simulate(&SimSpec::new(sport, 3)).expect("valid");
        let env = Envelope::new("m", 1, 0, events[0].clone());
        let json: Value = serde_json::from_slice(&env.to_vec()).expect("json");
        assert_eq!(json["sport"], sport.as_str());
        assert_eq!(json["event"]["type"], "match_start");
        assert_eq!(env.event.kind(), "match_start");
        assert_eq!(json["event"], env.event.payload_json());
        assert_eq!(Envelope::from_slice(&env.to_vec()).expect("round trip"), env);
        assert_eq!(sport.as_str().parse::<Sport>(), Ok(sport));
        // Pacing: the first event at once, later ones after a positive gap.
        assert_eq!(events[0].nominal_gap(None), std::time::Duration::ZERO);
        assert!(
            events[1..].iter().zip(&events).all(|(e, p)| e.nominal_gap(Some(p)) > std::time::Duration::ZERO),
            "{sport}"
        );
    }
    let cricket = r#"{"v":1,"match_id":"m","seq":1,"ts":0,"sport":"cricket","event":{"type":"toss","winner":"India","decision":"bat"}}"#;
    assert_eq!(Envelope::from_slice(cricket.as_bytes()).expect("cricket as before").event.sport(), Sport::Cricket);
}
