//! The rules of tennis as folded by `tennis::State`: the scoreboard, serve,
//! break points, statistics, retirements. The scoring machine itself
//! (deuce, tiebreaks, final-set rules) has unit tests in `tennis::score`.
//! Every event applied here also checks its patch against the snapshots.

mod common;

use common::{checked, fold_all, num, pair};
use livematch_sports::tennis::sim::{SimConfig, simulate};
use livematch_sports::tennis::{Event, FinalSet, MatchInfo, PlayerInfo, PointKind, RuleError, State};
use livematch_sports::{Rules, Status};
use serde_json::{Value, json};

const A: &str = "Carlos Alcaraz";
const B: &str = "Jannik Sinner";

struct T {
    s: State,
    seq: u64,
}

impl T {
    fn new(best_of: u32, final_set: FinalSet, first_server: &str) -> Self {
        let mut t = T { s: State::default(), seq: 0 };
        let p = |name: &str| PlayerInfo { name: name.into(), country: None, seed: None };
        t.ev(Event::MatchStart(MatchInfo {
            players: vec![p(A), p(B)],
            best_of,
            final_set,
            first_server: first_server.into(),
            title: None,
            venue: None,
            surface: None,
            date: None,
        }));
        t
    }

    fn try_ev(&mut self, ev: Event) -> Result<(), RuleError> {
        checked(&mut self.s, &ev, self.seq + 1)?;
        self.seq += 1;
        Ok(())
    }

    fn ev(&mut self, ev: Event) {
        let text = format!("{ev:?}");
        self.try_ev(ev).unwrap_or_else(|e| panic!("{text}: {e}"));
    }

    /// Points won by the named players ('a' or 'b'), as rallies on first serve.
    fn points(&mut self, who: &str) {
        for c in who.chars() {
            let winner = if c == 'a' { A } else { B };
            self.ev(Event::Point { winner: winner.into(), kind: PointKind::Winner, serve: 1 });
        }
    }

    fn snap(&self) -> Value {
        self.s.snapshot()
    }
}

#[test]
fn the_scoreboard_follows_points_games_and_the_serve() {
    let mut t = T::new(3, FinalSet::Tiebreak, A);
    assert_eq!(t.s.summary(), "Alcaraz v Sinner");
    assert_eq!(t.s.status(), Status::Scheduled);
    t.points("ab");
    assert_eq!(t.s.summary(), "Alcaraz* 0-0 Sinner (15-15)");
    assert_eq!(t.s.status(), Status::Live);
    t.points("aa");
    assert_eq!(t.snap()["current"]["score"], json!(["40", "15"]));
    t.points("a");
    assert_eq!(t.s.summary(), "Alcaraz 1-0 Sinner*");
    assert_eq!(t.snap()["server"], 1, "the serve changes every game");
    assert_eq!(
        t.snap()["games"][0],
        json!({"set": 1, "game": 1, "server": 0, "winner": 0, "broken": false, "tiebreak": false, "games": [1, 0]})
    );
    t.points("aaa");
    assert_eq!(t.snap()["current"]["break_point"], 0, "0-40 on Sinner's serve");
    assert!(t.snap()["commentary"][t.seq as usize - 1]["text"].as_str().expect("test data").ends_with("BREAK POINT"));
    t.points("bbb");
    assert_eq!(t.snap()["current"]["score"], json!(["40", "40"]));
    assert_eq!(t.snap()["current"]["break_point"], Value::Null);
    t.points("a");
    assert_eq!(t.snap()["current"]["score"], json!(["AD", "40"]));
    t.points("a");
    let snap = t.snap();
    assert_eq!(snap["games"][1]["broken"], true);
    assert!(
        snap["commentary"][t.seq as usize - 1]["text"]
            .as_str()
            .expect("test data")
            .contains("Break! Game Alcaraz (2-0)")
    );
    let (a, b) = (&snap["stats"][0], &snap["stats"][1]);
    assert_eq!((num(&a["break_points"]), num(&a["break_points_won"])), (4, 1), "0-40, 15-40, 30-40, AD");
    assert_eq!((num(&b["break_points_faced"]), num(&b["break_points_saved"])), (4, 3));
    assert_eq!((num(&b["service_games"]), num(&b["service_games_won"])), (1, 0));
    assert_eq!(snap["set_stats"][0], snap["stats"], "one set so far");
}

#[test]
fn aces_and_double_faults_belong_to_the_server() {
    let mut t = T::new(3, FinalSet::Tiebreak, B);
    let point = |w: &str, kind, serve| Event::Point { winner: w.into(), kind, serve };
    assert!(matches!(t.try_ev(point(A, PointKind::Ace, 1)), Err(RuleError::BadPoint { .. })));
    assert!(matches!(t.try_ev(point(B, PointKind::DoubleFault, 2)), Err(RuleError::BadPoint { .. })));
    assert!(matches!(t.try_ev(point(A, PointKind::DoubleFault, 1)), Err(RuleError::BadPoint { .. })));
    assert!(matches!(t.try_ev(point(A, PointKind::Winner, 3)), Err(RuleError::BadPoint { .. })));
    assert!(matches!(t.try_ev(point("Roger Federer", PointKind::Winner, 1)), Err(RuleError::UnknownPlayer { .. })));
    t.ev(point(B, PointKind::Ace, 1));
    t.ev(point(A, PointKind::DoubleFault, 2));
    t.ev(point(B, PointKind::Winner, 2));
    t.ev(point(A, PointKind::UnforcedError, 1));
    let b = &t.snap()["stats"][1];
    assert_eq!(
        [
            &b["aces"],
            &b["double_faults"],
            &b["service_points"],
            &b["first_serves_in"],
            &b["first_serve_won"],
            &b["second_serve_points"],
            &b["second_serve_won"]
        ]
        .map(num),
        [1, 1, 4, 2, 1, 2, 1]
    );
    assert_eq!(num(&t.snap()["stats"][0]["unforced_errors"]), 0, "Alcaraz won that point off Sinner's error");
    assert_eq!(num(&b["unforced_errors"]), 1);
    assert_eq!(num(&t.snap()["stats"][0]["return_points_won"]), 2);
}

#[test]
fn tiebreak_serve_and_the_set_score() {
    let mut t = T::new(3, FinalSet::Tiebreak, A);
    for _ in 0..6 {
        t.points("aaaa");
        t.points("bbbb");
    }
    assert_eq!(t.snap()["current"]["tiebreak"], true);
    assert_eq!(t.s.summary(), "Alcaraz* 6-6 Sinner");
    let mut servers = Vec::new();
    for c in "abababab".chars() {
        servers.push(t.snap()["server"].as_u64().expect("test data"));
        t.points(&c.to_string());
    }
    assert_eq!(servers, [0, 1, 1, 0, 0, 1, 1, 0]);
    assert_eq!(t.s.summary(), "Alcaraz* 6-6 Sinner (TB 4-4)");
    t.points("bb");
    assert_eq!(t.snap()["current"]["set_point"], 1, "6-4 in a tiebreak to 7");
    t.points("b");
    let snap = t.snap();
    assert_eq!(snap["sets"][0], json!({"games": [6, 7], "tiebreak": [4, 7], "winner": 1}));
    assert_eq!(t.s.summary(), "Alcaraz 6-7(4) 0-0 Sinner*", "Sinner received first in the tiebreak: serves first now");
    assert!(snap["commentary"][t.seq as usize - 1]["text"].as_str().expect("test data").ends_with("Set Sinner 7-6(4)"));
    assert_eq!(snap["games"].as_array().expect("test data").last().expect("test data")["tiebreak"], true);
    assert_eq!(snap["set_stats"].as_array().expect("test data").len(), 2);
    assert_eq!(num(&snap["stats"][0]["service_games"]), 6, "a tiebreak is no service game");
}

#[test]
fn match_point_the_result_and_nothing_after_it() {
    let mut t = T::new(3, FinalSet::MatchTiebreak, A);
    for _ in 0..6 {
        t.points("aaaa");
        t.points("bbbb");
    }
    t.points("aaaaaaa");
    for _ in 0..6 {
        t.points("bbbb");
    }
    assert_eq!(t.s.summary(), "Alcaraz 7-6(0) 0-6 0-0 Sinner*");
    assert_eq!(t.snap()["current"]["tiebreak_to"], 10);
    t.points("aaaaaaaaa");
    assert_eq!(t.snap()["current"]["match_point"], 0);
    t.points("b");
    t.points("a");
    let snap = t.snap();
    assert_eq!(snap["status"], "completed");
    assert_eq!(snap["result"], "Carlos Alcaraz won 7-6(0) 0-6 [10-1]");
    assert_eq!(snap["winner"], A);
    assert_eq!(snap["server"], Value::Null);
    assert_eq!(t.s.summary(), "Alcaraz 7-6(0) 0-6 [10-1] Sinner");
    assert!(
        snap["commentary"][t.seq as usize - 1]["text"]
            .as_str()
            .expect("test data")
            .contains("Game, set and match Alcaraz")
    );
    let late = Event::Point { winner: A.into(), kind: PointKind::Winner, serve: 1 };
    assert!(matches!(t.try_ev(late), Err(RuleError::MatchFinished { .. })));
}

#[test]
fn a_retirement_ends_the_match() {
    let mut t = T::new(5, FinalSet::LongTiebreak, A);
    t.points("bbbbaaaa");
    t.ev(Event::Retirement { player: A.into(), reason: Some("right ankle".into()) });
    assert_eq!(t.s.status(), Status::Completed);
    assert_eq!(t.s.result_text().as_deref(), Some("Jannik Sinner won 1-1 ret."));
    assert!(matches!(t.try_ev(Event::Abandoned { reason: "rain".into() }), Err(RuleError::MatchFinished { .. })));
    let mut t = T::new(3, FinalSet::Tiebreak, A);
    t.ev(Event::Abandoned { reason: "rain".into() });
    assert_eq!(t.s.status(), Status::Abandoned);
    let mut s = State::default();
    let p = Event::Point { winner: A.into(), kind: PointKind::Winner, serve: 1 };
    assert!(matches!(checked(&mut s, &p, 1), Err(RuleError::NotStarted { .. })));
    let bad = MatchInfo {
        players: vec![
            PlayerInfo { name: A.into(), country: None, seed: None },
            PlayerInfo { name: B.into(), country: None, seed: None },
        ],
        best_of: 4,
        final_set: FinalSet::Tiebreak,
        first_server: A.into(),
        title: None,
        venue: None,
        surface: None,
        date: None,
    };
    assert!(matches!(checked(&mut s, &Event::MatchStart(bad), 1), Err(RuleError::BadMatchInfo { .. })));
}

// ------------------------------------------------------------ simulated matches

/// The statistics of a finished match add up, whichever way they are summed.
fn check_stats(snap: &Value, label: &str) {
    let points: Vec<&Value> =
        snap["commentary"].as_array().expect("test data").iter().filter(|c| c["kind"] == "point").collect();
    let st = |p: usize, k: &str| num(&snap["stats"][p][k]);
    assert_eq!(st(0, "points_won") + st(1, "points_won"), points.len() as u64, "{label}: points");
    for p in 0..2 {
        let o = 1 - p;
        assert_eq!(st(p, "service_points"), st(p, "first_serves_in") + st(p, "second_serve_points"), "{label}");
        assert_eq!(
            st(p, "points_won"),
            st(p, "first_serve_won") + st(p, "second_serve_won") + st(p, "return_points_won"),
            "{label}"
        );
        assert_eq!(st(p, "break_points_won"), st(o, "service_games") - st(o, "service_games_won"), "{label}: breaks");
        assert_eq!(st(p, "break_points"), st(o, "break_points_faced"), "{label}");
        assert_eq!(st(o, "break_points_faced"), st(o, "break_points_saved") + st(p, "break_points_won"), "{label}");
        for key in ["aces", "double_faults", "winners", "unforced_errors", "service_games", "break_points_won"] {
            let by_set: u64 = snap["set_stats"].as_array().expect("test data").iter().map(|s| num(&s[p][key])).sum();
            assert_eq!(by_set, st(p, key), "{label}: set stats add up to the match's {key}");
        }
    }
    let sets = snap["sets"].as_array().expect("test data");
    let games: u64 = sets.iter().map(|s| pair(&s["games"]).iter().sum::<u64>()).sum();
    assert_eq!(games, snap["games"].as_array().expect("test data").len() as u64, "{label}: one record per game");
    let won = pair(&snap["sets_won"]);
    let best_of = num(&snap["best_of"]);
    assert_eq!(won[0].max(won[1]), best_of / 2 + 1, "{label}: {won:?}");
    // Serve alternates game by game.
    let servers: Vec<u64> = snap["games"].as_array().expect("test data").iter().map(|g| num(&g["server"])).collect();
    assert!(servers.windows(2).all(|w| w[0] != w[1]), "{label}: serve alternates");
}

#[test]
fn simulated_matches_of_every_format_are_lawful_and_add_up() {
    let formats =
        [(3, FinalSet::Tiebreak), (5, FinalSet::LongTiebreak), (3, FinalSet::MatchTiebreak), (5, FinalSet::Advantage)];
    let mut aces = 0;
    let mut points = 0;
    for seed in 0..24u64 {
        let (best_of, final_set) = formats[seed as usize % formats.len()];
        let events = simulate(&SimConfig::new(seed, best_of, final_set));
        let (state, ops) = fold_all::<State>(&events);
        let snap = state.snapshot();
        let label = format!("seed {seed} best of {best_of} {final_set:?}");
        assert_eq!(state.status(), Status::Completed, "{label}");
        check_stats(&snap, &label);
        assert!(ops < events.len() * 40, "{label}: {ops} ops for {} events", events.len());
        aces += num(&snap["stats"][0]["aces"]) + num(&snap["stats"][1]["aces"]);
        points += events.len() as u64 - 1;
        assert_eq!(simulate(&SimConfig::new(seed, best_of, final_set)), events, "{label}: deterministic");
    }
    let ace_rate = aces as f64 / points as f64;
    assert!((0.03..0.15).contains(&ace_rate), "ace rate {ace_rate}");
}
