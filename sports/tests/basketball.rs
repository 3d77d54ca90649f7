//! The rules of basketball as folded by `basketball::State`: quarters and
//! overtimes, possession and the shot clock, fouls and foul-outs (NBA 6,
//! FIBA 5), technicals, timeouts, the box score. Every event applied here
//! also checks its patch against the snapshots (see `common::checked`).

mod common;

use common::{checked, fold_all, num, pair};
use livematch_sports::basketball::sim::{SimConfig, simulate};
use livematch_sports::basketball::{
    Event, FoulKind, MatchInfo, Player, Position, Roster, RuleError, Ruleset, State, TurnoverKind,
};
use livematch_sports::{Rules, Status};
use serde_json::{Value, json};

const HOME: &str = "Los Angeles Lakers";
const AWAY: &str = "Boston Celtics";

fn roster(name: &str, prefix: &str) -> Roster {
    let pos = [Position::G, Position::G, Position::F, Position::F, Position::C];
    let players: Vec<Player> =
        (0..10).map(|i| Player { name: format!("{prefix}{i}"), number: i, position: pos[i as usize % 5] }).collect();
    let code = if name == HOME { "LAL" } else { "BOS" };
    Roster {
        name: name.into(),
        code: Some(code.into()),
        starters: (0..5).map(|i| format!("{prefix}{i}")).collect(),
        players,
    }
}

struct G {
    s: State,
    seq: u64,
}

impl G {
    fn new(rules: Ruleset) -> Self {
        let mut g = G { s: State::default(), seq: 0 };
        g.ev(Event::MatchStart(MatchInfo {
            teams: vec![roster(HOME, "L"), roster(AWAY, "B")],
            rules,
            title: None,
            venue: None,
            date: None,
        }));
        g
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

    fn snap(&self) -> Value {
        self.s.snapshot()
    }

    fn start(&mut self, period: u32, team: &str) {
        self.ev(Event::PeriodStart { period, possession: team.into() });
    }

    fn end(&mut self, period: u32) {
        self.ev(Event::PeriodEnd { period });
    }
}

fn team_of(player: &str) -> &'static str {
    if player.starts_with('L') { HOME } else { AWAY }
}

fn shot(player: &str, points: u32, made: bool, clock: u32) -> Event {
    let team = team_of(player).into();
    Event::FieldGoal { team, player: player.into(), points, made, assist: None, blocked_by: None, clock }
}

fn foul(player: &str, kind: FoulKind, clock: u32) -> Event {
    Event::Foul { team: team_of(player).into(), player: player.into(), kind, clock }
}

fn ft(player: &str, made: bool, attempt: u32, of: u32, clock: u32) -> Event {
    Event::FreeThrow { team: team_of(player).into(), player: player.into(), made, attempt, of, clock }
}

fn rebound(team: &str, player: Option<&str>, clock: u32) -> Event {
    Event::Rebound { team: team.into(), player: player.map(String::from), clock }
}

fn sub(player_in: &str, player_out: &str, clock: u32) -> Event {
    Event::Substitution {
        team: team_of(player_in).into(),
        player_in: player_in.into(),
        player_out: player_out.into(),
        clock,
    }
}

#[test]
fn six_fouls_foul_out_in_the_nba_five_in_fiba() {
    for (rules, limit) in [(Ruleset::Nba, 6), (Ruleset::Fiba, 5)] {
        let mut g = G::new(rules);
        g.start(1, HOME);
        for i in 1..limit {
            g.ev(foul("B4", FoulKind::Personal, 500 - i));
            assert_eq!(g.snap()["box"][1]["players"][4]["out"], Value::Null, "{rules:?} after {i}");
        }
        g.ev(foul("B4", FoulKind::Personal, 400));
        let row = g.snap()["box"][1]["players"][4].clone();
        assert_eq!((row["pf"].clone(), row["out"].clone()), (json!(limit), json!("fouled_out")), "{rules:?}");
        assert!(g.snap()["commentary"][g.seq as usize - 1]["text"].as_str().expect("test data").contains("fouled out"));
        assert!(matches!(g.try_ev(foul("B4", FoulKind::Personal, 399)), Err(RuleError::Disqualified { .. })));
        g.ev(Event::Turnover {
            team: HOME.into(),
            player: Some("L0".into()),
            kind: TurnoverKind::BadPass,
            stolen_by: None,
            clock: 398,
        });
        assert!(matches!(g.try_ev(shot("B4", 2, true, 397)), Err(RuleError::Disqualified { .. })));
        g.ev(sub("B9", "B4", 396));
        assert!(matches!(g.try_ev(sub("B4", "B9", 395)), Err(RuleError::Disqualified { .. })));
        assert_eq!(g.snap()["team_fouls"], json!([0, limit]));
        assert_eq!(g.snap()["bonus"], json!([true, false]));
    }
}

#[test]
fn technical_fouls_eject_after_two_and_count_as_personal_only_in_fiba() {
    for (rules, pf) in [(Ruleset::Nba, 0), (Ruleset::Fiba, 2)] {
        let mut g = G::new(rules);
        g.start(1, HOME);
        g.ev(foul("L2", FoulKind::Technical, 500));
        assert_eq!(g.snap()["possession"], 0, "a technical does not change possession");
        g.ev(sub("L7", "L2", 490));
        // A technical can be called on a player on the bench.
        g.ev(foul("L2", FoulKind::Technical, 480));
        let row = g.snap()["box"][0]["players"][2].clone();
        assert_eq!(
            (row["tech"].clone(), row["pf"].clone(), row["out"].clone()),
            (json!(2), json!(pf), json!("ejected"))
        );
        assert_eq!(g.snap()["team_fouls"], json!([0, 0]), "{rules:?}: technicals are no team fouls");
    }
}

#[test]
fn a_tie_goes_to_overtime_and_another_until_it_is_broken() {
    let mut g = G::new(Ruleset::Nba);
    for q in 1..=4 {
        g.start(q, if q % 2 == 1 { HOME } else { AWAY });
        g.end(q);
    }
    assert_eq!(g.s.status(), Status::Live);
    assert_eq!(g.s.summary(), "LAL 0–0 BOS End Q4");
    g.start(5, AWAY);
    assert_eq!(g.snap()["period"]["clock"], 300);
    assert_eq!(g.snap()["timeouts"], json!([2, 2]));
    g.ev(shot("B0", 3, true, 290));
    g.ev(shot("L0", 3, true, 280));
    assert_eq!(g.s.summary(), "LAL 3–3 BOS OT 4:40");
    g.end(5);
    g.start(6, HOME);
    assert_eq!(g.snap()["period"]["label"], "2OT");
    g.ev(shot("L1", 2, true, 290));
    g.end(6);
    assert_eq!(g.s.status(), Status::Completed);
    assert_eq!(g.s.summary(), "LAL 5–3 BOS Final/2OT");
    assert_eq!(g.s.result_text().as_deref(), Some("Los Angeles Lakers won 5–3 in double overtime"));
    assert_eq!(g.snap()["by_period"], json!([[0, 0], [0, 0], [0, 0], [0, 0], [3, 3], [2, 0]]));
    assert!(matches!(
        g.try_ev(Event::PeriodStart { period: 7, possession: HOME.into() }),
        Err(RuleError::MatchFinished { .. })
    ));

    let mut decided = G::new(Ruleset::Fiba);
    for q in 1..=4 {
        decided.start(q, HOME);
        if q == 4 {
            decided.ev(shot("L0", 2, true, 590));
        }
        decided.end(q);
    }
    assert_eq!(decided.s.result_text().as_deref(), Some("Los Angeles Lakers won 2–0"));
    assert_eq!(decided.s.summary(), "LAL 2–0 BOS Final");
}

#[test]
fn periods_run_in_order_and_the_clock_only_runs_down() {
    let mut g = G::new(Ruleset::Nba);
    assert_eq!(g.s.summary(), "LAL v BOS");
    assert!(matches!(g.try_ev(shot("L0", 2, true, 700)), Err(RuleError::NotInPlay { .. })));
    assert!(matches!(
        g.try_ev(Event::PeriodStart { period: 2, possession: HOME.into() }),
        Err(RuleError::PeriodOutOfOrder { .. })
    ));
    g.start(1, HOME);
    assert!(matches!(g.try_ev(shot("L0", 2, true, 721)), Err(RuleError::ClockOutOfRange { .. })));
    g.ev(shot("L0", 2, true, 700));
    assert!(matches!(g.try_ev(shot("B0", 2, true, 701)), Err(RuleError::ClockBackwards { .. })));
    assert!(matches!(g.try_ev(Event::PeriodEnd { period: 2 }), Err(RuleError::PeriodEndMismatch { .. })));
    g.ev(shot("B0", 3, true, 690));
    assert_eq!(g.s.summary(), "LAL 2–3 BOS Q1 11:30");
    g.end(1);
    g.start(2, AWAY);
    g.end(2);
    assert_eq!(g.s.summary(), "LAL 2–3 BOS Half");
}

#[test]
fn possession_and_the_shot_clock() {
    let mut g = G::new(Ruleset::Nba);
    g.start(1, HOME);
    assert_eq!(g.snap()["shot_clock"], 24);
    assert!(matches!(g.try_ev(shot("B0", 2, true, 710)), Err(RuleError::NotInPossession { .. })));
    assert!(matches!(g.try_ev(rebound(HOME, None, 710)), Err(RuleError::NothingToRebound)));
    assert!(matches!(g.try_ev(shot("L0", 2, true, 695)), Err(RuleError::ShotClock { elapsed: 25, length: 24 })));
    g.ev(shot("L0", 2, false, 700));
    assert_eq!(g.snap()["possession"], Value::Null, "the ball is loose after a miss");
    assert!(matches!(g.try_ev(shot("L1", 2, true, 699)), Err(RuleError::LooseBall { .. })));
    g.ev(rebound(HOME, Some("L4"), 699));
    assert_eq!(
        (g.snap()["possession"].clone(), g.snap()["shot_clock"].clone()),
        (json!(0), json!(14)),
        "offensive rebound: 14"
    );
    assert!(matches!(g.try_ev(shot("L1", 2, true, 684)), Err(RuleError::ShotClock { .. })));
    g.ev(foul("B2", FoulKind::Personal, 689));
    assert_eq!(g.snap()["shot_clock"], 14, "a defensive foul with 4 left resets to 14");
    g.ev(shot("L1", 3, false, 680));
    g.ev(rebound(AWAY, Some("B4"), 679));
    assert_eq!((g.snap()["possession"].clone(), g.snap()["shot_clock"].clone()), (json!(1), json!(24)));
    g.ev(foul("L3", FoulKind::Personal, 675));
    assert_eq!(g.snap()["shot_clock"], 20, "a defensive foul with 20 left: the shot clock runs on");
    assert_eq!(g.snap()["possession"], 1);
    let b4 = &g.snap()["box"][1]["players"][4];
    assert_eq!((b4["dreb"].clone(), b4["oreb"].clone()), (json!(1), json!(0)));
    g.ev(foul("L2", FoulKind::Shooting, 670));
    g.ev(ft("B1", true, 1, 2, 670));
    assert_eq!(g.snap()["possession"], 1, "still Boston's ball between free throws");
    g.ev(ft("B1", false, 2, 2, 670));
    assert_eq!(g.snap()["possession"], Value::Null);
    g.ev(rebound(HOME, None, 668));
    assert_eq!(g.snap()["team_rebounds"], json!([1, 0]));
    g.ev(foul("L3", FoulKind::Offensive, 660));
    assert_eq!(g.snap()["possession"], 1, "an offensive foul hands over the ball");
    assert_eq!(g.snap()["box"][0]["players"][3]["tov"], 1);
    assert!(matches!(g.try_ev(ft("B1", true, 3, 2, 660)), Err(RuleError::BadFreeThrow { .. })));
    g.ev(ft("B1", true, 1, 1, 660));
    assert_eq!(g.snap()["possession"], 0, "a made last free throw hands over the ball");
    g.ev(Event::Turnover {
        team: HOME.into(),
        player: Some("L0".into()),
        kind: TurnoverKind::LostBall,
        stolen_by: Some("B0".into()),
        clock: 20,
    });
    assert_eq!(g.snap()["shot_clock"], Value::Null, "game clock under the shot clock: off");
    assert_eq!(g.snap()["box"][1]["players"][0]["stl"], 1);
}

#[test]
fn assists_blocks_and_substitutions_are_checked() {
    let mut g = G::new(Ruleset::Nba);
    g.start(1, HOME);
    let own = Event::FieldGoal {
        team: HOME.into(),
        player: "L0".into(),
        points: 2,
        made: true,
        assist: Some("L0".into()),
        blocked_by: None,
        clock: 700,
    };
    assert!(matches!(g.try_ev(own), Err(RuleError::BadShot { .. })));
    let four = shot("L0", 4, true, 700);
    assert!(matches!(g.try_ev(four), Err(RuleError::BadShot { .. })));
    let blocked_make = Event::FieldGoal {
        team: HOME.into(),
        player: "L0".into(),
        points: 2,
        made: true,
        assist: None,
        blocked_by: Some("B4".into()),
        clock: 700,
    };
    assert!(matches!(g.try_ev(blocked_make), Err(RuleError::BadShot { .. })));
    let bench_assist = Event::FieldGoal {
        team: HOME.into(),
        player: "L0".into(),
        points: 3,
        made: true,
        assist: Some("L8".into()),
        blocked_by: None,
        clock: 700,
    };
    assert!(matches!(g.try_ev(bench_assist), Err(RuleError::NotOnCourt { .. })));
    g.ev(Event::FieldGoal {
        team: HOME.into(),
        player: "L0".into(),
        points: 3,
        made: true,
        assist: Some("L1".into()),
        blocked_by: None,
        clock: 700,
    });
    g.ev(Event::FieldGoal {
        team: AWAY.into(),
        player: "B0".into(),
        points: 2,
        made: false,
        assist: None,
        blocked_by: Some("L4".into()),
        clock: 690,
    });
    let snap = g.snap();
    assert_eq!(
        (snap["box"][0]["players"][1]["ast"].clone(), snap["box"][0]["players"][4]["blk"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(snap["box"][0]["players"][0]["pm"], 3);
    assert_eq!(snap["box"][1]["players"][3]["pm"], -3);
    assert_eq!(
        snap["lead"],
        json!([{"seq": 3, "period": 1, "clock": 700, "elapsed": 20, "margin": 3, "score": [3, 0]}])
    );
    assert!(matches!(g.try_ev(sub("L1", "L0", 680)), Err(RuleError::BadSubstitution { .. })));
    assert!(matches!(g.try_ev(sub("L5", "L6", 680)), Err(RuleError::BadSubstitution { .. })));
    g.ev(rebound(AWAY, None, 689));
    g.ev(sub("L5", "L0", 680));
    let snap = g.snap();
    assert_eq!(
        (snap["box"][0]["players"][0]["secs"].clone(), snap["box"][0]["players"][0]["min"].clone()),
        (json!(40), json!("0:40"))
    );
    g.end(1);
    assert_eq!(g.snap()["box"][0]["players"][5]["secs"], 680);
    assert_eq!(g.snap()["box"][0]["players"][1]["secs"], 720);
}

#[test]
fn timeouts_are_limited_per_the_rules() {
    let mut nba = G::new(Ruleset::Nba);
    nba.start(1, HOME);
    for i in 0..7 {
        nba.ev(Event::Timeout { team: AWAY.into(), clock: 700 - i });
    }
    assert!(matches!(
        nba.try_ev(Event::Timeout { team: AWAY.into(), clock: 600 }),
        Err(RuleError::NoTimeoutsLeft { .. })
    ));
    let mut fiba = G::new(Ruleset::Fiba);
    fiba.start(1, HOME);
    fiba.ev(Event::Timeout { team: HOME.into(), clock: 500 });
    fiba.end(1);
    fiba.start(2, HOME);
    fiba.ev(Event::Timeout { team: HOME.into(), clock: 500 });
    assert!(matches!(
        fiba.try_ev(Event::Timeout { team: HOME.into(), clock: 400 }),
        Err(RuleError::NoTimeoutsLeft { .. })
    ));
    fiba.end(2);
    fiba.start(3, AWAY);
    assert_eq!(fiba.snap()["timeouts"], json!([3, 3]), "three for the second half");
}

// ------------------------------------------------------------ simulated games

#[test]
fn simulated_ties_go_to_overtime() {
    let seed = (0..300u64)
        .find(|&seed| {
            simulate(&SimConfig::new(seed, Ruleset::Nba))
                .iter()
                .any(|e| matches!(e, Event::PeriodStart { period: 5, .. }))
        })
        .expect("an overtime in 300 games (about 6 % of NBA games go to overtime)");
    let events = simulate(&SimConfig::new(seed, Ruleset::Nba));
    let (state, _) = fold_all::<State>(&events);
    let snap = state.snapshot();
    check_box(&snap, &format!("seed {seed}"));
    let periods = snap["by_period"].as_array().expect("test data");
    let regulation: Vec<u64> = (0..2).map(|s| periods[..4].iter().map(|p| num(&p[s])).sum()).collect();
    assert_eq!(regulation[0], regulation[1], "tied after regulation");
    assert!(state.summary().contains("Final/"), "{}", state.summary());
}

fn check_box(snap: &Value, label: &str) {
    let score = pair(&snap["score"]);
    let periods = snap["by_period"].as_array().expect("test data");
    let game_secs: u64 =
        (1..=periods.len() as u64).map(|p| if p > 4 { 300 } else { 60 * num(&snap["quarter_minutes"]) }).sum();
    for s in 0..2 {
        let rows = snap["box"][s]["players"].as_array().expect("test data");
        let sum = |k: &str| rows.iter().map(|r| num(&r[k])).sum::<u64>();
        assert_eq!(score[s], sum("pts"), "{label}: score = box score points");
        assert_eq!(sum("pts"), 2 * sum("fgm") + sum("tpm") + sum("ftm"), "{label}: points = 2 FG + 3s + FT");
        assert_eq!(score[s], periods.iter().map(|p| num(&p[s])).sum::<u64>(), "{label}: periods add up");
        assert_eq!(sum("secs"), 5 * game_secs, "{label}: five on court all game");
        let pm: i64 = rows.iter().map(|r| r["pm"].as_i64().expect("test data")).sum();
        let margin = score[s] as i64 - score[1 - s] as i64;
        assert_eq!(pm, 5 * margin, "{label}: plus-minus adds up to five times the margin");
        for r in rows {
            assert!(num(&r["pf"]) <= num(&snap["foul_limit"]), "{label}: {r}");
            assert!(num(&r["fgm"]) <= num(&r["fga"]) && num(&r["tpa"]) <= num(&r["fga"]));
        }
        assert_eq!(num(&snap["totals"][s]["pts"]), score[s]);
    }
    let last = snap["lead"].as_array().expect("test data").last().expect("test data");
    assert_eq!(pair(&last["score"]), score, "{label}: the lead tracker ends at the final score");
    assert_ne!(score[0], score[1], "{label}: no ties in basketball");
}

#[test]
fn simulated_games_are_lawful_and_add_up() {
    let mut overtimes = 0;
    let mut foul_outs = 0;
    for seed in 0..20u64 {
        let rules = if seed % 2 == 0 { Ruleset::Nba } else { Ruleset::Fiba };
        let events = simulate(&SimConfig::new(seed, rules));
        let (state, ops) = fold_all::<State>(&events);
        let snap = state.snapshot();
        let label = format!("seed {seed} {rules:?}");
        assert_eq!(state.status(), Status::Completed, "{label}");
        check_box(&snap, &label);
        assert!(ops < events.len() * 16, "{label}: {ops} ops for {} events", events.len());
        overtimes += usize::from(snap["by_period"].as_array().expect("test data").len() > 4);
        foul_outs += snap["box"]
            .as_array()
            .expect("test data")
            .iter()
            .flat_map(|b| b["players"].as_array().expect("test data"))
            .filter(|r| r["out"] == "fouled_out")
            .count();
        let points = pair(&snap["score"]);
        let range = if rules == Ruleset::Nba { 80..160 } else { 55..120 };
        assert!(range.contains(&points[0]) && range.contains(&points[1]), "{label}: {points:?}");
        assert_eq!(simulate(&SimConfig::new(seed, rules)), events, "{label}: deterministic");
    }
    assert!(foul_outs >= 2, "{foul_outs} foul-outs in 20 games");
    assert!(overtimes <= 6, "{overtimes} overtimes in 20 games");
    let with_names = simulate(&SimConfig::new(1, Ruleset::Nba).with_teams("Boston Celtics", "Springfield Isotopes"));
    let Some(Event::MatchStart(info)) = with_names.first() else { panic!("match_start first") };
    assert_eq!((info.teams[0].name.as_str(), info.teams[1].name.as_str()), ("Boston Celtics", "Springfield Isotopes"));
}
