//! The laws of football as folded by `football::State`: periods and
//! stoppage time, goals, cards (second yellow → red), substitutions, extra
//! time and the shoot-out with sudden death. Every event applied here also
//! checks its patch against the snapshots (see `common::checked`).

mod common;

use common::{checked, fold_all, num, pair};
use livematch_sports::football::sim::{SimConfig, simulate};
use livematch_sports::football::{
    CardColor, Event, GoalKind, MatchInfo, Period, Player, Position, RuleError, ShotOutcome, State, TeamSheet,
};
use livematch_sports::{Envelope, MatchState, Rules, Sport, Status};
use serde_json::Value;

const HOME: &str = "Arsenal";
const AWAY: &str = "Chelsea";

fn sheet(name: &str, prefix: &str) -> TeamSheet {
    let pos = |i: usize| match i {
        0 => Position::Gk,
        1..=4 => Position::Df,
        5..=7 => Position::Mf,
        _ => Position::Fw,
    };
    let player = |i: usize| Player { name: format!("{prefix}{i}"), number: i as u32 + 1, position: pos(i) };
    TeamSheet {
        name: name.into(),
        code: None,
        formation: Some("4-3-3".into()),
        starting: (0..11).map(player).collect(),
        bench: (11..20).map(player).collect(),
    }
}

/// A match under construction; every event is applied with patch checks.
struct M {
    s: State,
    seq: u64,
}

impl M {
    fn new(knockout: bool) -> Self {
        let mut m = M { s: State::default(), seq: 0 };
        m.ev(Event::MatchStart(MatchInfo {
            teams: vec![sheet(HOME, "A"), sheet(AWAY, "C")],
            knockout,
            half_minutes: 45,
            extra_minutes: 15,
            max_subs: 5,
            title: None,
            venue: Some("Emirates Stadium".into()),
            date: None,
        }));
        m
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

    fn start(&mut self, period: Period) {
        self.ev(Event::PeriodStart { period });
    }

    fn end(&mut self, period: Period, minute: u32, added: u32) {
        self.ev(Event::PeriodEnd { period, minute, added });
    }

    fn goal(&mut self, team: &str, scorer: &str, minute: u32) {
        self.ev(goal(team, scorer, minute));
    }

    /// Play to the end of 90 minutes with the given goals (team, scorer, minute).
    fn ninety(&mut self, goals: &[(&str, &str, u32)]) {
        self.start(Period::FirstHalf);
        for &(t, p, m) in goals.iter().filter(|g| g.2 <= 45) {
            self.goal(t, p, m);
        }
        self.end(Period::FirstHalf, 45, 0);
        self.start(Period::SecondHalf);
        for &(t, p, m) in goals.iter().filter(|g| g.2 > 45) {
            self.goal(t, p, m);
        }
        self.end(Period::SecondHalf, 90, 0);
    }

    fn kick(&mut self, team: &str, player: &str, scored: bool) -> Result<(), RuleError> {
        self.try_ev(Event::ShootoutKick { team: team.into(), player: player.into(), scored })
    }
}

fn goal(team: &str, scorer: &str, minute: u32) -> Event {
    goal_x(team, scorer, (minute, 0), GoalKind::OpenPlay, None)
}

fn goal_x(team: &str, scorer: &str, (minute, added): (u32, u32), kind: GoalKind, assist: Option<&str>) -> Event {
    Event::Goal { team: team.into(), scorer: scorer.into(), assist: assist.map(String::from), kind, minute, added }
}

fn card(team: &str, player: &str, card: CardColor, minute: u32) -> Event {
    Event::Card { team: team.into(), player: player.into(), card, minute, added: 0 }
}

fn sub(team: &str, off: &str, on: &str, minute: u32) -> Event {
    Event::Substitution { team: team.into(), off: off.into(), on: on.into(), minute, added: 0 }
}

#[test]
fn stoppage_time_extends_a_half_but_the_whistle_waits_for_it() {
    let mut m = M::new(false);
    m.start(Period::FirstHalf);
    assert!(matches!(m.try_ev(goal(HOME, "A9", 0)), Err(RuleError::ClockOutOfRange { .. })));
    m.goal(HOME, "A9", 12);
    assert!(matches!(m.try_ev(goal(HOME, "A9", 11)), Err(RuleError::ClockBackwards { .. })));
    assert!(matches!(m.try_ev(goal(HOME, "A9", 46)), Err(RuleError::ClockOutOfRange { .. })));
    let early_added = goal_x(AWAY, "C9", (44, 1), GoalKind::OpenPlay, None);
    assert!(matches!(m.try_ev(early_added), Err(RuleError::ClockOutOfRange { .. })));
    assert!(matches!(
        m.try_ev(Event::PeriodEnd { period: Period::FirstHalf, minute: 44, added: 0 }),
        Err(RuleError::EarlyWhistle { .. })
    ));
    m.ev(Event::StoppageTime { minutes: 3 });
    assert_eq!(m.snap()["clock"]["stoppage"], 3);
    m.ev(goal_x(AWAY, "C9", (45, 2), GoalKind::OpenPlay, None));
    assert_eq!(m.snap()["timeline"][1]["clock"], "45+2'");
    assert_eq!(m.s.summary(), "ARS 1–1 CHE 45+2'");
    let e = m.try_ev(Event::PeriodEnd { period: Period::FirstHalf, minute: 45, added: 2 });
    assert!(matches!(e, Err(RuleError::EarlyWhistle { .. })), "{e:?}");
    m.end(Period::FirstHalf, 45, 4);
    assert_eq!(m.s.summary(), "ARS 1–1 CHE HT");
    assert!(matches!(m.try_ev(goal(HOME, "A9", 50)), Err(RuleError::NotInPlay { .. })));
    m.start(Period::SecondHalf);
    assert_eq!(m.snap()["clock"]["stoppage"], Value::Null, "each half has its own board");
    assert!(matches!(m.try_ev(goal(HOME, "A9", 45)), Err(RuleError::ClockOutOfRange { .. })));
    m.goal(HOME, "A10", 46);
    m.end(Period::SecondHalf, 90, 0);
    let snap = m.snap();
    assert_eq!(snap["status"], "completed");
    assert_eq!(snap["result"], "Arsenal won 2–1");
    assert_eq!(snap["winner"], HOME);
    assert_eq!(m.s.summary(), "ARS 2–1 CHE FT");
    assert_eq!(snap["periods"][0]["goals"], serde_json::json!([1, 1]));
    assert_eq!(snap["periods"][0]["end"], "45+4'");
    assert_eq!(snap["periods"][1]["goals"], serde_json::json!([1, 0]));
    assert!(matches!(m.try_ev(goal(HOME, "A9", 90)), Err(RuleError::MatchFinished { .. })));
}

#[test]
fn a_second_yellow_is_a_red_and_the_player_takes_no_further_part() {
    let mut m = M::new(false);
    m.start(Period::FirstHalf);
    m.ev(card(AWAY, "C3", CardColor::Yellow, 10));
    m.ev(card(AWAY, "C3", CardColor::Yellow, 30));
    let snap = m.snap();
    let row = &snap["lineups"][1]["players"][3];
    assert_eq!(
        (row["yellow"].clone(), row["red"].clone(), row["on_pitch"].clone()),
        (2.into(), "second_yellow".into(), false.into())
    );
    assert_eq!(pair(&snap["stats"]["yellow"]), [0, 2]);
    assert_eq!(pair(&snap["stats"]["red"]), [0, 1]);
    let kinds: Vec<&str> = snap["timeline"]
        .as_array()
        .expect("test data")
        .iter()
        .map(|k| k["kind"].as_str().expect("test data"))
        .collect();
    assert_eq!(kinds, ["yellow", "second_yellow"]);
    assert!(snap["commentary"][3]["text"].as_str().expect("test data").contains("sent off"));
    let shot = Event::Shot {
        team: AWAY.into(),
        player: "C3".into(),
        outcome: ShotOutcome::Saved,
        penalty: false,
        minute: 31,
        added: 0,
    };
    assert!(matches!(m.try_ev(shot), Err(RuleError::SentOff { .. })));
    assert!(matches!(m.try_ev(sub(AWAY, "C3", "C14", 31)), Err(RuleError::SentOff { .. })));
    assert!(matches!(m.try_ev(card(AWAY, "C3", CardColor::Red, 32)), Err(RuleError::SentOff { .. })));
    // A straight red after one yellow is a red, not a second yellow.
    m.ev(card(HOME, "A2", CardColor::Yellow, 33));
    m.ev(card(HOME, "A2", CardColor::Red, 34));
    assert_eq!(m.snap()["lineups"][0]["players"][2]["red"], "red");
    assert_eq!(pair(&m.snap()["stats"]["yellow"]), [1, 2]);
    // A substitute on the bench can be booked.
    m.ev(card(HOME, "A15", CardColor::Yellow, 35));
    assert_eq!(m.snap()["lineups"][0]["players"][15]["on_pitch"], false);
}

#[test]
fn substitutions_come_from_the_bench_once_within_the_limit() {
    let mut m = M::new(true);
    m.start(Period::FirstHalf);
    assert!(matches!(m.try_ev(sub(HOME, "A11", "A12", 5)), Err(RuleError::NotOnPitch { .. })));
    assert!(matches!(m.try_ev(sub(HOME, "A1", "A2", 5)), Err(RuleError::BadSubstitution { .. })));
    m.ev(sub(HOME, "A1", "A11", 20));
    assert!(matches!(m.try_ev(sub(HOME, "A11", "A1", 21)), Err(RuleError::BadSubstitution { .. })), "no return");
    let snap = m.snap();
    assert_eq!(snap["lineups"][0]["players"][1]["off"], "20'");
    assert_eq!(snap["lineups"][0]["players"][11]["on"], "20'");
    assert_eq!(snap["timeline"][0]["kind"], "substitution");
    assert_eq!(
        (snap["timeline"][0]["player"].clone(), snap["timeline"][0]["other"].clone()),
        ("A11".into(), "A1".into())
    );
    for (i, on) in ["A12", "A13", "A14", "A15"].iter().enumerate() {
        m.ev(sub(HOME, &format!("A{}", i + 2), on, 30 + i as u32));
    }
    assert!(matches!(m.try_ev(sub(HOME, "A6", "A16", 40)), Err(RuleError::NoSubstitutionsLeft { allowed: 5, .. })));
    m.end(Period::FirstHalf, 45, 0);
    m.start(Period::SecondHalf);
    m.end(Period::SecondHalf, 90, 0);
    m.start(Period::ExtraTimeFirst);
    m.ev(sub(HOME, "A6", "A16", 95));
    assert!(matches!(m.try_ev(sub(HOME, "A7", "A17", 96)), Err(RuleError::NoSubstitutionsLeft { allowed: 6, .. })));
    assert_eq!(pair(&m.snap()["stats"]["subs"]), [6, 0]);
}

#[test]
fn goals_own_goals_and_assists_are_credited_right() {
    let mut m = M::new(false);
    m.start(Period::FirstHalf);
    let og = goal_x(HOME, "C2", (10, 0), GoalKind::OwnGoal, None);
    m.ev(og);
    let bad = goal_x(HOME, "A2", (11, 0), GoalKind::OwnGoal, None);
    assert!(matches!(m.try_ev(bad), Err(RuleError::UnknownPlayer { .. })), "an own goal is scored by the other side");
    let bench = goal_x(HOME, "C12", (11, 0), GoalKind::OwnGoal, None);
    assert!(matches!(m.try_ev(bench), Err(RuleError::NotOnPitch { .. })));
    let og_assist = goal_x(HOME, "C2", (11, 0), GoalKind::OwnGoal, Some("A9"));
    assert!(matches!(m.try_ev(og_assist), Err(RuleError::BadGoal { .. })));
    let self_assist = goal_x(HOME, "A9", (11, 0), GoalKind::OpenPlay, Some("A9"));
    assert!(matches!(m.try_ev(self_assist), Err(RuleError::BadGoal { .. })));
    m.ev(goal_x(HOME, "A9", (20, 0), GoalKind::Header, Some("A7")));
    m.ev(goal_x(AWAY, "C10", (30, 0), GoalKind::Penalty, None));
    let snap = m.snap();
    assert_eq!(pair(&snap["score"]), [2, 1]);
    assert_eq!(snap["lineups"][1]["players"][2]["own_goals"], 1);
    assert_eq!(snap["lineups"][0]["players"][9]["goals"], 1);
    assert_eq!(snap["lineups"][0]["players"][7]["assists"], 1);
    assert_eq!(pair(&snap["stats"]["shots"]), [1, 1], "an own goal is no shot");
    let kinds: Vec<&str> = snap["timeline"]
        .as_array()
        .expect("test data")
        .iter()
        .map(|k| k["kind"].as_str().expect("test data"))
        .collect();
    assert_eq!(kinds, ["own_goal", "goal", "penalty_goal"]);
    assert_eq!(snap["timeline"][1]["score"], serde_json::json!([2, 0]));
    let missed = Event::Shot {
        team: AWAY.into(),
        player: "C10".into(),
        outcome: ShotOutcome::Saved,
        penalty: true,
        minute: 40,
        added: 0,
    };
    m.ev(missed);
    let snap = m.snap();
    assert_eq!(snap["timeline"][3]["kind"], "penalty_miss");
    assert_eq!(pair(&snap["stats"]["saves"]), [1, 0]);
    assert_eq!(pair(&snap["stats"]["on_target"]), [1, 2]);
}

#[test]
fn extra_time_only_for_a_level_knockout_match() {
    let mut league = M::new(false);
    league.ninety(&[(HOME, "A9", 10), (AWAY, "C9", 80)]);
    assert_eq!(league.s.status(), Status::Completed);
    assert_eq!(league.s.result_text().as_deref(), Some("Match drawn 1–1"));
    assert_eq!(league.snap()["winner"], Value::Null);

    let mut won = M::new(true);
    won.ninety(&[(HOME, "A9", 10)]);
    assert_eq!(won.s.status(), Status::Completed);
    assert!(matches!(
        won.try_ev(Event::PeriodStart { period: Period::ExtraTimeFirst }),
        Err(RuleError::MatchFinished { .. })
    ));

    let mut cup = M::new(true);
    assert!(matches!(
        cup.try_ev(Event::PeriodStart { period: Period::SecondHalf }),
        Err(RuleError::PeriodOutOfOrder { .. })
    ));
    cup.ninety(&[(HOME, "A9", 10), (AWAY, "C9", 80)]);
    assert_eq!(cup.s.status(), Status::Live);
    assert_eq!(cup.s.summary(), "ARS 1–1 CHE End 90'");
    assert!(matches!(
        cup.try_ev(Event::PeriodStart { period: Period::Shootout }),
        Err(RuleError::PeriodOutOfOrder { .. })
    ));
    cup.start(Period::ExtraTimeFirst);
    assert!(matches!(cup.try_ev(goal(HOME, "A9", 90)), Err(RuleError::ClockOutOfRange { .. })));
    cup.goal(AWAY, "C10", 99);
    cup.end(Period::ExtraTimeFirst, 105, 1);
    assert_eq!(cup.s.summary(), "ARS 1–2 CHE ET HT");
    cup.start(Period::ExtraTimeSecond);
    cup.goal(HOME, "A10", 118);
    cup.ev(goal_x(AWAY, "C8", (120, 1), GoalKind::OpenPlay, None));
    cup.end(Period::ExtraTimeSecond, 120, 2);
    assert_eq!(cup.s.result_text().as_deref(), Some("Chelsea won 3–2 after extra time"));
    assert_eq!(cup.s.summary(), "ARS 2–3 CHE AET");
}

/// A knockout match level after extra time, at the shoot-out.
fn at_penalties() -> M {
    let mut m = M::new(true);
    m.ninety(&[]);
    m.start(Period::ExtraTimeFirst);
    m.end(Period::ExtraTimeFirst, 105, 0);
    m.start(Period::ExtraTimeSecond);
    m.end(Period::ExtraTimeSecond, 120, 0);
    assert_eq!(m.s.summary(), "ARS 0–0 CHE End ET");
    m.start(Period::Shootout);
    m
}

#[test]
fn a_shootout_ends_as_soon_as_one_side_cannot_catch_up() {
    let mut m = at_penalties();
    assert!(matches!(m.try_ev(goal(HOME, "A9", 120)), Err(RuleError::NotInPlay { .. })));
    for k in 0..3 {
        m.kick(AWAY, &format!("C{}", 10 - k), true).expect("test data");
        if k == 0 {
            let e = m.kick(AWAY, "C8", true);
            assert!(matches!(e, Err(RuleError::BadKick { .. })), "alternate: {e:?}");
        }
        m.kick(HOME, &format!("A{}", 10 - k), false).expect("test data");
    }
    // 3–0 with two kicks left each: Arsenal can reach 2 at most.
    assert_eq!(m.s.status(), Status::Completed);
    assert_eq!(m.s.result_text().as_deref(), Some("Chelsea won 3–0 on penalties (0–0 after extra time)"));
    assert_eq!(m.s.summary(), "ARS 0–0 CHE Pens 0–3");
    assert!(matches!(m.kick(AWAY, "C7", true), Err(RuleError::MatchFinished { .. })));
}

#[test]
fn level_after_five_kicks_each_goes_to_sudden_death() {
    let mut m = at_penalties();
    let kickers = ["10", "9", "8", "7", "6"];
    for (i, k) in kickers.iter().enumerate() {
        m.kick(HOME, &format!("A{k}"), i != 2).expect("test data");
        m.kick(AWAY, &format!("C{k}"), i != 4).expect("test data");
        assert_eq!(m.s.status(), Status::Live, "kick {i}");
    }
    let snap = m.snap();
    assert_eq!(pair(&snap["shootout"]["score"]), [4, 4]);
    assert_eq!(snap["shootout"]["first"], 0);
    // Sudden death: one kick each; the second side's miss after a goal ends it.
    let again = m.kick(HOME, "A10", true);
    assert!(
        matches!(again, Err(RuleError::BadKick { .. })),
        "every eligible player kicks before anyone again: {again:?}"
    );
    m.kick(HOME, "A5", true).expect("test data");
    assert_eq!(m.s.status(), Status::Live, "the other side still has its kick");
    m.kick(AWAY, "C5", true).expect("test data");
    m.kick(HOME, "A4", false).expect("test data");
    m.kick(AWAY, "C4", false).expect("test data");
    assert_eq!(m.s.status(), Status::Live);
    m.kick(HOME, "A3", false).expect("test data");
    m.kick(AWAY, "C3", true).expect("test data");
    assert_eq!(m.s.status(), Status::Completed);
    assert_eq!(m.s.result_text().as_deref(), Some("Chelsea won 6–5 on penalties (0–0 after extra time)"));
    assert_eq!(m.snap()["clock"]["label"], "Pens");
    assert_eq!(m.snap()["winner"], AWAY);
}

#[test]
fn a_sent_off_player_cannot_take_a_penalty_in_the_shootout() {
    let mut m = M::new(true);
    m.start(Period::FirstHalf);
    m.ev(card(HOME, "A10", CardColor::Red, 5));
    m.end(Period::FirstHalf, 45, 0);
    m.start(Period::SecondHalf);
    m.end(Period::SecondHalf, 90, 0);
    m.start(Period::ExtraTimeFirst);
    m.end(Period::ExtraTimeFirst, 105, 0);
    m.start(Period::ExtraTimeSecond);
    m.end(Period::ExtraTimeSecond, 120, 0);
    m.start(Period::Shootout);
    assert!(matches!(m.kick(HOME, "A10", true), Err(RuleError::SentOff { .. })));
    assert!(matches!(m.kick(HOME, "A15", true), Err(RuleError::NotOnPitch { .. })), "a substitute who never came on");
}

#[test]
fn events_before_the_start_and_bad_team_sheets_are_rejected() {
    let mut s = State::default();
    assert!(matches!(checked(&mut s, &goal(HOME, "A9", 1), 1), Err(RuleError::NotStarted { .. })));
    let mut info = MatchInfo {
        teams: vec![sheet(HOME, "A"), sheet(HOME, "B")],
        knockout: false,
        half_minutes: 45,
        extra_minutes: 15,
        max_subs: 5,
        title: None,
        venue: None,
        date: None,
    };
    assert!(matches!(checked(&mut s, &Event::MatchStart(info.clone()), 1), Err(RuleError::BadMatchInfo { .. })));
    info.teams[1] = sheet(AWAY, "A");
    info.teams[1].bench.push(Player { name: "A3".into(), number: 99, position: Position::Df });
    assert!(matches!(checked(&mut s, &Event::MatchStart(info.clone()), 1), Err(RuleError::BadMatchInfo { .. })));
    let mut m = M::new(false);
    assert_eq!(m.s.summary(), "ARS v CHE");
    assert_eq!(m.s.status(), Status::Scheduled);
    assert!(matches!(m.try_ev(Event::MatchStart(info)), Err(RuleError::AlreadyStarted)));
    assert!(matches!(m.try_ev(goal("Spurs", "A9", 1)), Err(RuleError::NotInPlay { .. })));
    m.start(Period::FirstHalf);
    assert!(matches!(m.try_ev(goal("Spurs", "A9", 1)), Err(RuleError::UnknownTeam { .. })));
    assert!(matches!(m.try_ev(goal(HOME, "Nobody", 1)), Err(RuleError::UnknownPlayer { .. })));
    let poss = Event::Possession { home: 101, minute: 2, added: 0 };
    assert!(matches!(m.try_ev(poss), Err(RuleError::BadPossession { .. })));
    m.ev(Event::Abandoned { reason: "floodlight failure".into() });
    assert_eq!(m.s.status(), Status::Abandoned);
    assert_eq!(m.s.summary(), "ARS 0–0 CHE Abd");
}

#[test]
fn envelopes_keep_the_wire_format_and_the_engine_dispatches() {
    let env = Envelope::new("ars-che", 1, 5, livematch_sports::Event::Football(goal(HOME, "A9", 3)));
    let json: Value = serde_json::from_slice(&env.to_vec()).expect("test data");
    assert_eq!(json["sport"], "football");
    assert_eq!(json["event"]["type"], "goal");
    assert_eq!(json["event"]["kind"], "open_play");
    assert_eq!(Envelope::from_slice(&env.to_vec()).expect("test data"), env);

    let events = simulate(&SimConfig::new(3));
    let mut state = MatchState::new("ars-che", Sport::Football);
    for (i, ev) in events.iter().enumerate() {
        let env = Envelope::new("ars-che", i as u64 + 1, 0, livematch_sports::Event::Football(ev.clone()));
        state.apply(&env).expect("test data");
    }
    assert_eq!(state.status(), Status::Completed);
    assert_eq!(state.snapshot()["sport"], "football");
    assert!(state.lobby_entry().result.is_some());
    let late =
        Envelope::new("ars-che", events.len() as u64 + 1, 0, livematch_sports::Event::Football(goal(HOME, "A9", 3)));
    let err = state.apply(&late).unwrap_err();
    assert_eq!(err.metric_label(), "rule");
    assert!(err.to_string().contains("laws of football"), "{err}");
    let cricket = Envelope::new(
        "ars-che",
        1,
        0,
        livematch_sports::Event::Cricket(livematch_sports::cricket::Event::Toss {
            winner: "x".into(),
            decision: livematch_sports::cricket::TossDecision::Bat,
        }),
    );
    assert_eq!(MatchState::new("ars-che", Sport::Football).apply(&cricket).unwrap_err().metric_label(), "wrong_sport");
}

// ------------------------------------------------------------ simulated matches

/// Counts read back from the snapshot of a finished match.
fn check_consistent(snap: &Value, label: &str) {
    let score = pair(&snap["score"]);
    let goals = |side: u64, kinds: &[&str]| {
        snap["timeline"]
            .as_array()
            .expect("test data")
            .iter()
            .filter(|k| k["team"] == side && kinds.contains(&k["kind"].as_str().expect("test data")))
            .count() as u64
    };
    for s in 0..2u64 {
        assert_eq!(
            score[s as usize],
            goals(s, &["goal", "own_goal", "penalty_goal"]),
            "{label}: score = timeline goals"
        );
        let rows = snap["lineups"][s as usize]["players"].as_array().expect("test data");
        let other = snap["lineups"][1 - s as usize]["players"].as_array().expect("test data");
        let scored: u64 = rows.iter().map(|r| num(&r["goals"])).sum::<u64>()
            + other.iter().map(|r| num(&r["own_goals"])).sum::<u64>();
        assert_eq!(score[s as usize], scored, "{label}: score = player goals + opponents' own goals");
        let on = rows.iter().filter(|r| r["on_pitch"] == true).count() as u64;
        let reds = num(&snap["stats"]["red"][s as usize]);
        assert_eq!(on, 11 - reds, "{label}: eleven less the men sent off");
        assert!(num(&snap["stats"]["subs"][s as usize]) <= 6);
        let st = &snap["stats"];
        assert!(num(&st["shots"][s as usize]) >= num(&st["on_target"][s as usize]));
        assert_eq!(
            num(&st["saves"][1 - s as usize]) + goals(s, &["goal", "penalty_goal"]),
            num(&st["on_target"][s as usize])
        );
    }
}

#[test]
fn simulated_matches_are_lawful_consistent_and_realistic() {
    let mut goals = Vec::new();
    let (mut extra_time, mut shootouts, mut reds, mut draws) = (0, 0, 0, 0);
    for seed in 0..100u64 {
        let knockout = seed % 2 == 1;
        let events = simulate(&SimConfig::new(seed).knockout(knockout));
        let (state, ops) = fold_all::<State>(&events);
        let snap = state.snapshot();
        let label = format!("seed {seed}");
        assert_eq!(state.status(), Status::Completed, "{label}");
        check_consistent(&snap, &label);
        assert!(ops < events.len() * 14, "{label}: {ops} ops for {} events", events.len());
        let score = pair(&snap["score"]);
        goals.push(score[0] + score[1]);
        extra_time += usize::from(snap["periods"].as_array().expect("test data").len() > 2);
        shootouts += usize::from(!snap["shootout"].is_null());
        reds += num(&snap["stats"]["red"][0]) + num(&snap["stats"]["red"][1]);
        if knockout {
            assert!(snap["winner"].is_string(), "{label}: a knockout match has a winner");
        } else {
            draws += usize::from(score[0] == score[1]);
        }
        assert_eq!(simulate(&SimConfig::new(seed).knockout(knockout)), events, "{label}: deterministic");
    }
    let mean = goals.iter().sum::<u64>() as f64 / goals.len() as f64;
    assert!((2.0..3.4).contains(&mean), "mean goals {mean}");
    assert!((5..=24).contains(&draws), "{draws} draws in 50 league matches");
    assert!(extra_time >= 3 && shootouts >= 1, "{extra_time} extra times, {shootouts} shoot-outs");
    assert!(reds >= 2, "{reds} red cards in 100 matches");
}
