//! The match simulator: determinism, the laws (checked by an independent
//! scorer written here and by the engine), and realistic numbers across many
//! seeds.

use std::collections::{BTreeMap, HashMap, HashSet};

use livematch_sports::cricket::sim::{SimConfig, SimError, simulate, team_pool};
use livematch_sports::cricket::{DismissalKind, Event, Format, InningsEndReason, MatchResult, Outcome};
use livematch_sports::{Envelope, MatchState, Sport, Status};

fn sim(format: Format, seed: u64) -> Vec<Event> {
    simulate(&SimConfig::new(format, seed))
}

fn teams_of(events: &[Event]) -> Vec<String> {
    match events.first() {
        Some(Event::MatchStart(info)) => info.teams.clone(),
        other => panic!("first event {other:?}"),
    }
}

/// One innings as an independent scorer sees it.
#[derive(Debug, Clone, Default)]
struct Inn {
    number: u32,
    batting: String,
    bowling: String,
    super_over: bool,
    target: Option<u32>,
    max_overs: u32,
    runs: u32,
    wickets: u32,
    legal: u32,
    fours: u32,
    sixes: u32,
    reason: Option<InningsEndReason>,
}

/// Everything the scorer collected about one match.
#[derive(Debug, Default)]
struct Scored {
    format: Option<Format>,
    innings: Vec<Inn>,
    result: Option<MatchResult>,
    dismissals: Vec<DismissalKind>,
    /// Extras kinds seen: "wides", "noballs", "byes", "legbyes", "penalty".
    extras: HashSet<&'static str>,
    deliveries: usize,
    wides: usize,
    noballs: usize,
    caught_by_keeper: usize,
    stumped: usize,
    retired_returned: usize,
    /// Main innings, by phase (powerplay, middle, death): runs, legal balls, wickets.
    phase_runs: [u32; 3],
    phase_balls: [u32; 3],
    phase_wickets: [u32; 3],
    /// Main innings: runs off the bat by batting position (0-based).
    runs_by_position: [u32; 11],
}

/// Names of the pool sides' wicket-keepers, by team.
fn keepers() -> HashMap<String, String> {
    team_pool().into_iter().map(|t| (t.name.clone(), t.players[t.keeper()].name.clone())).collect()
}

fn phase(format: Format, over: u32) -> usize {
    let (pp, death) = if format == Format::T20 { (6, 15) } else { (10, 40) };
    if over < pp {
        0
    } else if over < death {
        1
    } else {
        2
    }
}

/// Fold a match through an independent scorer, panicking (with the seed)
/// on anything that breaks the laws or the simulator's contract.
#[allow(clippy::too_many_lines)]
fn score(events: &[Event], label: &str) -> Scored {
    let fail = |i: usize, why: String| -> ! { panic!("{label}, event {i} {:?}: {why}", events.get(i)) };
    let mut s = Scored::default();
    let Some(Event::MatchStart(info)) = events.first() else { fail(0, "first event must be match_start".into()) };
    assert_eq!(info.teams.len(), 2);
    assert_eq!(info.squads.len(), 2);
    for squad in &info.squads {
        assert_eq!(squad.len(), 11, "{label}: an XI");
        assert_eq!(squad.iter().collect::<HashSet<_>>().len(), 11, "{label}: distinct players");
    }
    s.format = Some(info.format);
    let squad_of = |team: &str| -> &Vec<String> {
        let k = info.teams.iter().position(|t| t == team).unwrap_or_else(|| panic!("{label}: unknown team {team}"));
        &info.squads[k]
    };
    assert!(matches!(events.get(1), Some(Event::Toss { .. })), "{label}: toss second");
    assert!(matches!(events.last(), Some(Event::Result(_))), "{label}: result last");

    // Per-innings scorer state.
    let mut inn = Inn::default();
    let mut open = false;
    let mut over_bowlers: Vec<String> = Vec::new();
    let mut bowler_overs: HashMap<String, u32> = HashMap::new();
    let mut out: HashSet<String> = HashSet::new();
    let mut retired: HashSet<String> = HashSet::new();
    let mut expected: Option<(String, String)> = None;
    let mut must_be_new_striker: Option<String> = None;
    let mut ball_in_over = 0;
    let mut legal_in_over = 0;
    let keepers = keepers();

    for (i, ev) in events.iter().enumerate().skip(2) {
        match ev {
            Event::InningsStart { number, batting, bowling, super_over, target, max_overs, openers } => {
                if open {
                    fail(i, "innings started while another is open".into());
                }
                let n = u32::try_from(s.innings.len()).unwrap_or(0) + 1;
                assert_eq!(*number, n, "{label}: innings numbers");
                assert_ne!(batting, bowling);
                assert_eq!(*super_over, n > 2, "{label}: innings 3+ are super overs");
                let max = if *super_over { 1 } else { info.format.overs() };
                assert_eq!(max_overs.unwrap_or(max), max);
                // Targets: the second innings of each pair chases the first.
                let want = (n % 2 == 0).then(|| s.innings.last().map_or(0, |p| p.runs) + 1);
                assert_eq!(target.map(|t| t.runs), want, "{label}: target of innings {n}");
                if n > 2 {
                    // Super-over order: the side that batted second in the match
                    // (or the previous super over) bats first.
                    let prev = &s.innings[usize::try_from(n).unwrap_or(0) - 2];
                    if n % 2 == 1 {
                        assert_eq!(batting, &prev.batting, "{label}: super-over batting order");
                    }
                }
                assert_eq!(openers.len(), 2);
                inn = Inn {
                    number: n,
                    batting: batting.clone(),
                    bowling: bowling.clone(),
                    super_over: *super_over,
                    target: target.map(|t| t.runs),
                    max_overs: max,
                    ..Inn::default()
                };
                open = true;
                over_bowlers.clear();
                bowler_overs.clear();
                out.clear();
                retired.clear();
                expected = Some((openers[0].clone(), openers[1].clone()));
                must_be_new_striker = None;
                ball_in_over = 0;
                legal_in_over = 0;
            }
            Event::BowlerChange { over, bowler } => {
                assert!(open, "{label}: bowler change outside an innings");
                if ball_in_over > 0 && legal_in_over < 6 {
                    fail(i, "over changed before six legal balls".into());
                }
                assert_eq!(*over, u32::try_from(over_bowlers.len()).unwrap_or(0), "{label}: overs in order");
                assert!(*over < inn.max_overs, "{label}: too many overs");
                assert!(squad_of(&inn.bowling).contains(bowler), "{label}: bowler {bowler} not in the fielding side");
                if over_bowlers.last() == Some(bowler) {
                    fail(i, format!("{bowler} bowls consecutive overs"));
                }
                let n = bowler_overs.entry(bowler.clone()).or_default();
                *n += 1;
                let limit = if inn.super_over { 1 } else { info.format.bowler_overs() };
                if *n > limit {
                    fail(i, format!("{bowler} bowls {n} overs, limit {limit}"));
                }
                over_bowlers.push(bowler.clone());
                ball_in_over = 0;
                legal_in_over = 0;
            }
            Event::Delivery(d) => {
                assert!(open, "{label}: delivery outside an innings");
                if inn.target.is_some_and(|t| inn.runs >= t) {
                    fail(i, "a ball bowled after the target was reached".into());
                }
                assert_eq!(Some(&d.bowler), over_bowlers.last(), "{label}: bowler of the over");
                assert_eq!(d.over + 1, u32::try_from(over_bowlers.len()).unwrap_or(0));
                ball_in_over += 1;
                assert_eq!(d.ball, ball_in_over, "{label}: ball numbering");
                assert_ne!(d.batter, d.non_striker);
                let squad = squad_of(&inn.batting);
                for b in [&d.batter, &d.non_striker] {
                    assert!(squad.contains(b), "{label}: {b} not in the batting side");
                    if out.contains(b) {
                        fail(i, format!("{b} bats after being out"));
                    }
                }
                // Strike: exactly as predicted after a ball without a wicket;
                // after a wicket the survivor stays and the new batter comes in.
                if let Some((st, ns)) = &expected {
                    assert_eq!(
                        (&d.batter, &d.non_striker),
                        (st, ns),
                        "{label}: strike rotation at {}.{}",
                        d.over,
                        d.ball
                    );
                }
                if let Some(survivor) = &must_be_new_striker {
                    assert!(
                        d.batter != *survivor && d.non_striker == *survivor,
                        "{label}: the new batter takes strike after a catch"
                    );
                }
                let text = d.commentary.as_deref().unwrap_or_default();
                assert!(!text.is_empty(), "{label}: commentary on every ball");
                let e = d.extras;
                for (k, v) in [
                    ("wides", e.wides),
                    ("noballs", e.noballs),
                    ("byes", e.byes),
                    ("legbyes", e.legbyes),
                    ("penalty", e.penalty),
                ] {
                    if v > 0 {
                        s.extras.insert(k);
                    }
                }
                s.deliveries += 1;
                s.wides += usize::from(e.wides > 0);
                s.noballs += usize::from(e.noballs > 0);
                assert!(e.wides == 0 || (d.runs_batter == 0 && e.byes == 0 && e.legbyes == 0));
                inn.runs += d.total_runs();
                if d.is_legal() {
                    inn.legal += 1;
                    legal_in_over += 1;
                }
                match (d.runs_batter, d.non_boundary) {
                    (4, false) => inn.fours += 1,
                    (6, _) => inn.sixes += 1,
                    _ => {}
                }
                if !inn.super_over {
                    let ph = phase(info.format, d.over);
                    s.phase_runs[ph] += d.total_runs();
                    s.phase_balls[ph] += u32::from(d.is_legal());
                    s.phase_wickets[ph] +=
                        u32::try_from(d.wickets.iter().filter(|w| w.kind.counts_as_wicket()).count()).unwrap_or(0);
                    if let Some(k) = squad.iter().position(|p| *p == d.batter) {
                        s.runs_by_position[k] += d.runs_batter;
                    }
                }
                let boundary = |r: u32| r == 4 || r == 6;
                let run = if e.wides > 0 {
                    if e.wides == 5 { 0 } else { e.wides - 1 }
                } else if d.runs_batter > 0 {
                    if boundary(d.runs_batter) && !d.non_boundary { 0 } else { d.runs_batter }
                } else if e.byes + e.legbyes == 4 {
                    0
                } else {
                    e.byes + e.legbyes
                };
                let (mut st, mut ns) = (d.batter.clone(), d.non_striker.clone());
                if run % 2 == 1 {
                    std::mem::swap(&mut st, &mut ns);
                }
                let end_of_over = legal_in_over == 6;
                must_be_new_striker = None;
                expected = Some((st.clone(), ns.clone()));
                for w in &d.wickets {
                    assert!(
                        w.player_out == d.batter || w.player_out == d.non_striker,
                        "{label}: out batter at the crease"
                    );
                    s.dismissals.push(w.kind);
                    if w.kind == DismissalKind::RetiredHurt {
                        retired.insert(w.player_out.clone());
                    } else {
                        out.insert(w.player_out.clone());
                        inn.wickets += 1;
                    }
                    let keeper = keepers.get(&inn.bowling);
                    let by_keeper = w.fielders.first().is_some_and(|f| Some(&f.name) == keeper);
                    match w.kind {
                        DismissalKind::Caught if by_keeper => s.caught_by_keeper += 1,
                        DismissalKind::Stumped => {
                            s.stumped += 1;
                            assert!(by_keeper || keeper.is_none(), "{label}: stumped by the keeper");
                        }
                        _ => {}
                    }
                    match w.kind {
                        DismissalKind::Caught | DismissalKind::Stumped | DismissalKind::RunOut => {
                            assert!(!w.fielders.is_empty(), "{label}: {:?} names a fielder", w.kind);
                            for f in &w.fielders {
                                assert!(
                                    squad_of(&inn.bowling).contains(&f.name),
                                    "{label}: fielder {} from the fielding side",
                                    f.name
                                );
                            }
                            if w.kind == DismissalKind::Caught {
                                assert!(
                                    w.fielders[0].name != d.bowler,
                                    "{label}: a bowler's own catch is caught and bowled"
                                );
                            }
                        }
                        _ => assert!(w.fielders.is_empty()),
                    }
                    if e.noballs > 0 && w.kind != DismissalKind::RetiredHurt {
                        assert_eq!(w.kind, DismissalKind::RunOut, "{label}: only run out off a no-ball");
                    }
                    assert!(text.contains("OUT!") || w.kind == DismissalKind::RetiredHurt, "{label}: {text}");
                    // The survivor stays at the crease; the end of the new batter is free.
                    let survivor = if w.player_out == d.batter { d.non_striker.clone() } else { d.batter.clone() };
                    if matches!(w.kind, DismissalKind::Caught | DismissalKind::CaughtAndBowled) && !end_of_over {
                        must_be_new_striker = Some(survivor.clone());
                    }
                    expected = None;
                }
                let max_wickets = if inn.super_over { 2 } else { 10 };
                assert!(inn.wickets <= max_wickets, "{label}: {} wickets", inn.wickets);
                if end_of_over {
                    expected = expected.map(|(a, b)| (b, a));
                }
            }
            Event::InningsEnd { number, reason } => {
                assert!(open);
                assert_eq!(*number, inn.number);
                let reached = inn.target.is_some_and(|t| inn.runs >= t);
                let max_wickets = if inn.super_over { 2 } else { 10 };
                let want = if reached {
                    InningsEndReason::TargetReached
                } else if inn.wickets == max_wickets {
                    InningsEndReason::AllOut
                } else {
                    assert_eq!(inn.legal, inn.max_overs * 6, "{label}: innings {number} ended early");
                    InningsEndReason::OversComplete
                };
                assert_eq!(*reason, want, "{label}: innings {number} end reason");
                inn.reason = Some(*reason);
                s.innings.push(inn.clone());
                open = false;
            }
            Event::Result(r) => {
                assert_eq!(i, events.len() - 1);
                assert!(!open);
                s.result = Some(r.clone());
            }
            other => fail(i, format!("unexpected event {other:?}")),
        }
        if let Event::Delivery(d) = ev {
            for b in [&d.batter, &d.non_striker] {
                if retired.contains(b) && !d.wickets.iter().any(|w| &w.player_out == b) {
                    retired.remove(b);
                    s.retired_returned += 1;
                }
            }
        }
    }
    check_result(&s, label);
    s
}

/// The result follows from the scores.
fn check_result(s: &Scored, label: &str) {
    let r = s.result.as_ref().unwrap_or_else(|| panic!("{label}: no result"));
    let (one, two) = (&s.innings[0], &s.innings[1]);
    assert!(s.innings.len().is_multiple_of(2), "{label}: innings come in pairs");
    if two.runs > one.runs {
        assert_eq!(s.innings.len(), 2);
        assert_eq!(r.outcome, Outcome::Win);
        assert_eq!(r.winner.as_deref(), Some(two.batting.as_str()), "{label}");
        assert_eq!(r.by_wickets, Some(10 - two.wickets));
        assert_eq!(r.by_runs, None);
    } else if two.runs < one.runs {
        assert_eq!(s.innings.len(), 2);
        assert_eq!(r.outcome, Outcome::Win);
        assert_eq!(r.winner.as_deref(), Some(one.batting.as_str()), "{label}");
        assert_eq!(r.by_runs, Some(one.runs - two.runs));
        assert_eq!(r.by_wickets, None);
    } else {
        assert_eq!(r.outcome, Outcome::Tie, "{label}");
        assert_eq!(r.winner, None);
        assert!(s.innings.len() >= 4, "{label}: a tie goes to a super over");
        let pairs: Vec<_> = s.innings[2..].chunks(2).collect();
        for p in &pairs[..pairs.len() - 1] {
            assert_eq!(p[0].runs, p[1].runs, "{label}: only a tied super over is followed by another");
        }
        let last = pairs[pairs.len() - 1];
        let through = match last[1].runs.cmp(&last[0].runs) {
            std::cmp::Ordering::Greater => last[1].batting.clone(),
            std::cmp::Ordering::Less => last[0].batting.clone(),
            std::cmp::Ordering::Equal => {
                // Still tied after the last super over: more boundaries in the
                // whole match, then more sixes, then the side batting second.
                let count = |team: &str| {
                    s.innings
                        .iter()
                        .filter(|i| i.batting == team)
                        .fold((0, 0), |(b, x), i| (b + i.fours + i.sixes, x + i.sixes))
                };
                if count(&one.batting) > count(&two.batting) { one.batting.clone() } else { two.batting.clone() }
            }
        };
        assert_eq!(r.eliminator.as_deref(), Some(through.as_str()), "{label}: eliminator");
    }
}

/// Fold every event through the engine and compare its snapshot with the scorer.
fn fold_through_engine(events: &[Event], scored: &Scored, label: &str) -> serde_json::Value {
    let mut state = MatchState::new("sim", Sport::Cricket);
    for (i, ev) in events.iter().enumerate() {
        let seq = u64::try_from(i).unwrap_or(0) + 1;
        let env = Envelope::new(
            "sim",
            seq,
            1_700_000_000_000 + i64::try_from(i).unwrap_or(0) * 1000,
            livematch_sports::Event::Cricket(ev.clone()),
        );
        if let Err(e) = state.apply(&env) {
            panic!("{label}: engine rejected event {seq} {ev:?}: {e}");
        }
    }
    assert_eq!(state.status(), Status::Completed, "{label}");
    let snap = state.snapshot();
    let innings = snap["innings"].as_array().cloned().unwrap_or_default();
    assert_eq!(innings.len(), scored.innings.len(), "{label}: innings count");
    for (k, (mine, theirs)) in scored.innings.iter().zip(&innings).enumerate() {
        assert_eq!(theirs["runs"], mine.runs, "{label}: innings {k} runs");
        assert_eq!(theirs["wickets"], mine.wickets, "{label}: innings {k} wickets");
        assert_eq!(theirs["legal_balls"], mine.legal, "{label}: innings {k} legal balls");
        assert_eq!(theirs["team"], mine.batting.as_str());
        assert_eq!(theirs["closed"], true);
    }
    let r = scored.result.as_ref().unwrap_or_else(|| panic!("{label}: no result"));
    let winner = r.winner.clone().or_else(|| r.eliminator.clone());
    assert_eq!(snap["winner"], serde_json::json!(winner), "{label}: engine's winner");
    let text = snap["result"].as_str().unwrap_or_default();
    assert!(!text.is_empty(), "{label}: result text");
    snap
}

#[test]
fn same_seed_same_match_different_seed_different_match() {
    for format in [Format::T20, Format::Odi] {
        let a = sim(format, 11);
        let b = sim(format, 11);
        assert_eq!(a, b, "same seed, same events (commentary included)");
        let c = sim(format, 12);
        assert_ne!(a, c);
        let named = SimConfig::new(format, 11).with_teams("India", "Australia");
        assert_eq!(simulate(&named), simulate(&named));
    }
}

#[test]
fn chosen_and_invented_sides() {
    let cfg = SimConfig::new(Format::T20, 5).with_teams("England", "Pakistan");
    assert_eq!(cfg.validate(), Ok(()));
    let events = simulate(&cfg);
    let Some(Event::MatchStart(info)) = events.first() else { panic!("no match_start") };
    assert_eq!(info.teams, vec!["England".to_string(), "Pakistan".to_string()]);
    let pool = team_pool();
    let england = pool.iter().find(|t| t.name == "England").map(|t| t.squad());
    assert_eq!(Some(info.squads[0].clone()), england);
    let s = score(&events, "England v Pakistan");
    fold_through_engine(&events, &s, "England v Pakistan");

    let cfg = SimConfig::new(Format::Odi, 5).with_teams("Narnia", "Gondor");
    let events = simulate(&cfg);
    let Some(Event::MatchStart(info)) = events.first() else { panic!("no match_start") };
    assert_eq!(info.teams, vec!["Narnia".to_string(), "Gondor".to_string()]);
    let all: HashSet<_> = info.squads.iter().flatten().collect();
    assert_eq!(all.len(), 22, "invented players are distinct");
    let s = score(&events, "Narnia v Gondor");
    fold_through_engine(&events, &s, "Narnia v Gondor");

    // Bad names are rejected by `validate` and repaired by `simulate`.
    let same = SimConfig::new(Format::T20, 1).with_teams("India", "india");
    assert_eq!(same.validate(), Err(SimError::SameTeam { name: "India".into() }));
    let teams = teams_of(&simulate(&same));
    assert_eq!(teams[0], "India");
    assert_ne!(teams[1].to_lowercase(), "india");
    let empty = SimConfig::new(Format::T20, 1).with_teams(" ", "India");
    assert_eq!(empty.validate().map_err(|e| e.metric_label()), Err("empty_team_name"));
    let teams = teams_of(&simulate(&empty));
    assert!(!teams[0].trim().is_empty() && teams[1] == "India", "{teams:?}");

    // Without names, the seed picks different pairings.
    let pairs: HashSet<Vec<String>> = (0..40).map(|seed| teams_of(&sim(Format::T20, seed))).collect();
    assert!(pairs.len() > 15, "{} pairings", pairs.len());
}

fn mean(xs: &[u32]) -> f64 {
    f64::from(xs.iter().sum::<u32>()) / f64::from(u32::try_from(xs.len()).unwrap_or(1))
}

fn sd(xs: &[u32]) -> f64 {
    let m = mean(xs);
    let var =
        xs.iter().map(|x| (f64::from(*x) - m).powi(2)).sum::<f64>() / f64::from(u32::try_from(xs.len()).unwrap_or(1));
    var.sqrt()
}

/// 200 matches of a format: laws, scorer and engine agree, numbers are realistic.
fn many_matches(format: Format, first_innings: std::ops::Range<f64>, seed0: u64) {
    let mut firsts = Vec::new();
    let mut wickets = Vec::new();
    let mut dismissals: BTreeMap<String, usize> = BTreeMap::new();
    let mut extras = HashSet::new();
    let (mut deliveries, mut wides, mut noballs) = (0, 0, 0);
    let mut chasing_wins = 0;
    let mut ties = 0;
    let (mut phase_runs, mut phase_balls, mut phase_wickets) = ([0u32; 3], [0u32; 3], [0u32; 3]);
    let mut by_position = [0u32; 11];
    let (mut keeper_catches, mut catches) = (0, 0);
    for seed in seed0..seed0 + 200 {
        let label = format!("{format:?} seed {seed}");
        let events = sim(format, seed);
        let s = score(&events, &label);
        fold_through_engine(&events, &s, &label);
        firsts.push(s.innings[0].runs);
        wickets.push(s.innings[0].wickets);
        for d in &s.dismissals {
            *dismissals.entry(format!("{d:?}")).or_default() += 1;
        }
        extras.extend(s.extras.iter().copied());
        for k in 0..3 {
            phase_runs[k] += s.phase_runs[k];
            phase_balls[k] += s.phase_balls[k];
            phase_wickets[k] += s.phase_wickets[k];
        }
        for (total, runs) in by_position.iter_mut().zip(s.runs_by_position) {
            *total += runs;
        }
        keeper_catches += s.caught_by_keeper;
        catches += s.dismissals.iter().filter(|d| **d == DismissalKind::Caught).count();
        deliveries += s.deliveries;
        wides += s.wides;
        noballs += s.noballs;
        match &s.result {
            Some(r) if r.outcome == Outcome::Win && r.by_wickets.is_some() => chasing_wins += 1,
            Some(r) if r.outcome == Outcome::Tie => ties += 1,
            _ => {}
        }
    }
    let (m, spread) = (mean(&firsts), sd(&firsts));
    println!(
        "{format:?}: first innings mean {m:.1} sd {spread:.1} min {:?} max {:?}, wickets {:.1}, chasing wins {chasing_wins}, ties {ties}",
        firsts.iter().min(),
        firsts.iter().max(),
        mean(&wickets)
    );
    println!("{format:?}: dismissals {dismissals:?}; wides {wides} no-balls {noballs} of {deliveries}");
    let per_over = |k: usize| f64::from(phase_runs[k]) * 6.0 / f64::from(phase_balls[k]);
    let wickets_per_over = |k: usize| f64::from(phase_wickets[k]) * 6.0 / f64::from(phase_balls[k]);
    println!(
        "{format:?}: run rate by phase {:.2} {:.2} {:.2}, wickets per over {:.3} {:.3} {:.3}, runs by position {by_position:?}",
        per_over(0),
        per_over(1),
        per_over(2),
        wickets_per_over(0),
        wickets_per_over(1),
        wickets_per_over(2)
    );
    assert!(first_innings.contains(&m), "{format:?} mean first innings {m:.1}");
    assert!(per_over(2) > per_over(1) * 1.2, "{format:?}: the death overs go fastest");
    assert!(per_over(0) > per_over(1), "{format:?}: the powerplay goes faster than the middle overs");
    assert!(wickets_per_over(2) > wickets_per_over(1) * 1.3, "{format:?}: more wickets fall at the death");
    let top: u32 = by_position[..4].iter().sum();
    let tail: u32 = by_position[7..].iter().sum();
    assert!(top > 6 * tail, "{format:?}: the top order outscores the tail ({top} v {tail})");
    let keeper_share = keeper_catches as f64 / catches as f64;
    println!("{format:?}: keeper took {keeper_share:.2} of the catches");
    assert!((0.1..0.3).contains(&keeper_share), "{format:?}: keeper takes {keeper_share:.2} of the catches");
    assert!(spread > 15.0, "{format:?}: scores vary (sd {spread:.1})");
    assert!((4.0..9.0).contains(&mean(&wickets)), "{format:?}: wickets {:.1}", mean(&wickets));
    assert!((50..150).contains(&chasing_wins), "{format:?}: chasing side won {chasing_wins} of 200");
    for kind in ["wides", "noballs", "byes", "legbyes"] {
        assert!(extras.contains(kind), "{format:?}: no {kind} in 200 matches");
    }
    let share = |k: &str| {
        let total: usize = dismissals.iter().filter(|(k, _)| *k != "RetiredHurt").map(|(_, n)| n).sum();
        dismissals.get(k).copied().unwrap_or(0) as f64 / total as f64
    };
    for (kind, range) in [
        ("Caught", 0.45..0.65),
        ("Bowled", 0.10..0.25),
        ("Lbw", 0.06..0.18),
        ("RunOut", 0.04..0.14),
        ("Stumped", 0.005..0.06),
        ("CaughtAndBowled", 0.005..0.05),
    ] {
        assert!(range.contains(&share(kind)), "{format:?}: {kind} share {:.3}", share(kind));
    }
    let wide_rate = wides as f64 / deliveries as f64;
    let nb_rate = noballs as f64 / deliveries as f64;
    assert!((0.02..0.05).contains(&wide_rate), "{format:?}: wides {wide_rate:.4}");
    assert!((0.002..0.01).contains(&nb_rate), "{format:?}: no-balls {nb_rate:.4}");
}

#[test]
fn two_hundred_t20s_are_lawful_and_realistic() {
    many_matches(Format::T20, 140.0..200.0, 0);
}

#[test]
fn two_hundred_odis_are_lawful_and_realistic() {
    many_matches(Format::Odi, 220.0..320.0, 0);
}

#[test]
fn rare_events_turn_up_across_many_matches() {
    // Hit wicket, penalty runs and retired hurt are rare: look across more matches.
    let mut kinds = HashSet::new();
    let mut extras = HashSet::new();
    let mut returned = 0;
    for seed in 1000..1600 {
        let s = score(&sim(Format::T20, seed), &format!("T20 seed {seed}"));
        kinds.extend(s.dismissals.iter().copied());
        extras.extend(s.extras.iter().copied());
        returned += s.retired_returned;
    }
    for k in [
        DismissalKind::Caught,
        DismissalKind::Bowled,
        DismissalKind::Lbw,
        DismissalKind::RunOut,
        DismissalKind::Stumped,
        DismissalKind::CaughtAndBowled,
        DismissalKind::HitWicket,
        DismissalKind::RetiredHurt,
    ] {
        assert!(kinds.contains(&k), "no {k:?} in 600 matches");
    }
    assert!(extras.contains("penalty"), "no penalty runs in 600 matches");
    assert!(returned > 0, "a retired-hurt batter came back at least once");
}

#[test]
fn a_tie_goes_to_a_super_over() {
    let mut found = None;
    for seed in 0..4000 {
        let events = sim(Format::T20, seed);
        if events.iter().any(|e| matches!(e, Event::InningsStart { super_over: true, .. })) {
            found = Some((seed, events));
            break;
        }
    }
    let Some((seed, events)) = found else { panic!("no tie in 4000 T20 matches") };
    let label = format!("T20 seed {seed} (tie)");
    let s = score(&events, &label);
    assert_eq!(s.innings[0].runs, s.innings[1].runs);
    let r = s.result.as_ref().unwrap_or_else(|| panic!("no result"));
    assert_eq!(r.outcome, Outcome::Tie);
    assert!(r.eliminator.is_some());
    // The side batting second in the match bats first in the super over.
    assert_eq!(s.innings[2].batting, s.innings[1].batting);
    assert!(s.innings[2..].iter().all(|i| i.super_over && i.legal <= 6 && i.wickets <= 2));
    let snap = fold_through_engine(&events, &s, &label);
    assert_eq!(snap["innings"][2]["super_over"], true);
}
