//! Super overs, driven directly (a tie in the main match is rare).

use super::*;
use crate::cricket::InningsEndReason;

fn side(name: &str) -> Team {
    find_team(name).unwrap_or_else(|| panic!("{name} is in the pool"))
}

fn main_innings_score(fours: u32, sixes: u32) -> InningsScore {
    InningsScore {
        runs: 160,
        wickets: 6,
        legal_balls: 120,
        fours,
        sixes,
        reason: InningsEndReason::OversComplete,
        dismissed: Vec::new(),
        bowlers_used: Vec::new(),
    }
}

fn new_sim(seed: u64) -> Sim {
    let mut talk = ChaCha8Rng::seed_from_u64(seed);
    talk.set_stream(1);
    Sim { rng: ChaCha8Rng::seed_from_u64(seed), talk: commentary::Talk::new(talk), events: Vec::new() }
}

/// One super-over innings read back from the events.
#[derive(Debug, Default)]
struct SoInnings {
    number: u32,
    batting: String,
    target: Option<u32>,
    runs: u32,
    wickets: u32,
    legal: u32,
    fours: u32,
    sixes: u32,
    batters: Vec<String>,
    out: Vec<String>,
    bowlers: Vec<String>,
}

fn read(events: &[Event]) -> Vec<SoInnings> {
    let mut all: Vec<SoInnings> = Vec::new();
    for ev in events {
        match ev {
            Event::InningsStart { number, batting, super_over, target, max_overs, openers, .. } => {
                assert!(*super_over);
                assert_eq!(*max_overs, Some(1));
                all.push(SoInnings {
                    number: *number,
                    batting: batting.clone(),
                    target: target.map(|t| t.runs),
                    batters: openers.clone(),
                    ..SoInnings::default()
                });
            }
            Event::BowlerChange { bowler, .. } => {
                if let Some(i) = all.last_mut() {
                    i.bowlers.push(bowler.clone());
                }
            }
            Event::Delivery(d) => {
                let Some(i) = all.last_mut() else { panic!("delivery outside an innings") };
                i.runs += d.total_runs();
                i.legal += u32::from(d.is_legal());
                match (d.runs_batter, d.non_boundary) {
                    (4, false) => i.fours += 1,
                    (6, _) => i.sixes += 1,
                    _ => {}
                }
                for b in [&d.batter, &d.non_striker] {
                    if !i.batters.contains(b) {
                        i.batters.push(b.clone());
                    }
                }
                for w in &d.wickets {
                    i.wickets += 1;
                    i.out.push(w.player_out.clone());
                }
            }
            _ => {}
        }
    }
    all
}

#[test]
fn super_overs_follow_the_playing_conditions() {
    let (a, b) = (side("India"), side("Australia"));
    let (one, two) = (main_innings_score(14, 6), main_innings_score(12, 7));
    let mut repeated = 0;
    let mut won_by_each = [0, 0];
    for seed in 0..400 {
        let mut sim = new_sim(seed);
        let through = super_overs(&mut sim, Format::T20, &a, &b, 1.0, [&one, &two], MAX_SUPER_OVERS);
        let inns = read(&sim.events);
        assert!(inns.len() >= 2 && inns.len().is_multiple_of(2), "seed {seed}: super overs come in pairs");
        assert!(inns.len() <= 2 * MAX_SUPER_OVERS as usize);
        let mut used_bowlers: Vec<&str> = Vec::new();
        let mut used_out: Vec<&str> = Vec::new();
        for (k, pair) in inns.chunks(2).enumerate() {
            // The side batting second in the match bats first; after a tie, the
            // side that batted second in that super over bats first in the next.
            let first_bat = if k == 0 { b.name.clone() } else { inns[2 * k - 1].batting.clone() };
            assert_eq!(pair[0].batting, first_bat, "seed {seed}: super over {k} batting order");
            assert_ne!(pair[0].batting, pair[1].batting);
            assert_eq!(pair[0].target, None);
            assert_eq!(pair[1].target, Some(pair[0].runs + 1), "seed {seed}: super-over target");
            for i in pair {
                assert_eq!(
                    i.number,
                    3 + u32::try_from(inns.iter().position(|x| x.number == i.number).unwrap_or(0)).unwrap_or(0)
                );
                assert!(i.legal <= 6 && i.wickets <= 2 && i.batters.len() <= 3, "seed {seed}: {i:?}");
                assert_eq!(i.bowlers.len(), 1, "one over, one bowler");
                assert!(i.legal == 6 || i.wickets == 2 || i.target.is_some_and(|t| i.runs >= t), "seed {seed}: {i:?}");
                for bw in &i.bowlers {
                    assert!(!used_bowlers.contains(&bw.as_str()), "seed {seed}: {bw} bowled an earlier super over");
                }
                for bt in &i.batters {
                    assert!(!used_out.contains(&bt.as_str()), "seed {seed}: {bt} was out in an earlier super over");
                }
            }
            for i in pair {
                used_bowlers.extend(i.bowlers.iter().map(String::as_str));
                used_out.extend(i.out.iter().map(String::as_str));
            }
            let last = k == inns.len() / 2 - 1;
            if !last {
                assert_eq!(pair[0].runs, pair[1].runs, "seed {seed}: only a tie leads to another super over");
            } else if pair[0].runs != pair[1].runs {
                let winner = if pair[1].runs > pair[0].runs { &pair[1].batting } else { &pair[0].batting };
                assert_eq!(&through.name, winner, "seed {seed}");
            }
        }
        if inns.len() > 2 {
            repeated += 1;
        }
        won_by_each[usize::from(through.name == a.name)] += 1;
    }
    assert!(repeated > 0, "a tied super over leads to another one for some seed");
    assert!(won_by_each[0] > 100 && won_by_each[1] > 100, "either side can win: {won_by_each:?}");
}

#[test]
fn after_the_last_tied_super_over_boundaries_decide() {
    let (a, b) = (side("England"), side("Pakistan"));
    let mut checked = 0;
    for seed in 0..2000 {
        // Equal boundaries in the match: sixes decide ...
        let (one, two) = (main_innings_score(10, 8), main_innings_score(12, 6));
        let mut sim = new_sim(seed);
        let through = super_overs(&mut sim, Format::T20, &a, &b, 1.0, [&one, &two], 1);
        let inns = read(&sim.events);
        assert_eq!(inns.len(), 2, "capped at one super over");
        if inns[0].runs != inns[1].runs {
            continue;
        }
        checked += 1;
        let count = |team: &str, f: u32, s: u32| {
            inns.iter().filter(|i| i.batting == team).fold((f + s, s), |(b, x), i| (b + i.fours + i.sixes, x + i.sixes))
        };
        let (ca, cb) = (count(&a.name, 10, 8), count(&b.name, 12, 6));
        let expect = if ca > cb { &a.name } else { &b.name };
        assert_eq!(&through.name, expect, "seed {seed}: boundary countback {ca:?} v {cb:?}");
        // ... and the same super over with many more boundaries for the side
        // batting second goes its way.
        let (one, two) = (main_innings_score(5, 0), main_innings_score(30, 10));
        let mut sim = new_sim(seed);
        let through = super_overs(&mut sim, Format::T20, &a, &b, 1.0, [&one, &two], 1);
        assert_eq!(through.name, b.name);
    }
    assert!(checked >= 3, "found {checked} tied super overs");
}

#[test]
fn play_match_ends_with_a_tie_result_naming_the_eliminator() {
    // A whole match whose main innings tie, found by seed.
    let (a, b) = (side("India"), side("Pakistan"));
    let mut found = false;
    for seed in 0..3000 {
        let mut sim = new_sim(seed);
        play_match(&mut sim, Format::T20, &a, &b, MAX_SUPER_OVERS);
        let Some(Event::Result(r)) = sim.events.last() else { panic!("no result") };
        if r.outcome == Outcome::Tie {
            assert_eq!(r.winner, None);
            let e = r.eliminator.clone().unwrap_or_default();
            assert!(e == a.name || e == b.name);
            found = true;
            break;
        }
    }
    assert!(found, "no tie in 3000 matches");
}
