//! The laws of cricket as folded by `cricket::State`: extras, dismissals,
//! strike rotation, maidens, super overs, rain rules, results, errors. Every
//! event applied here also checks that the returned patch turns the old
//! snapshot into the new one (and that the generic diff oracle agrees).

use livematch_sports::cricket::{
    BatState, Delivery, DismissalKind, Event, Extras, Fielder, Format, InningsEndReason, MatchInfo, MatchResult,
    Outcome, RetirementKind, RuleError, State, Target, TossDecision, Wicket,
};
use livematch_sports::patch::{PatchOp, apply_patch, diff};
use livematch_sports::{Envelope, MatchState, Sport, Status};
use serde_json::Value;

const KKR: &str = "Kolkata Knight Riders";
const RCB: &str = "Royal Challengers Bangalore";

/// A match under construction; every event is applied with patch checks.
struct M {
    s: State,
    seq: u64,
}

impl M {
    fn new() -> Self {
        let mut m = M { s: State::default(), seq: 0 };
        m.ev(Event::MatchStart(MatchInfo {
            format: Format::T20,
            teams: vec![KKR.into(), RCB.into()],
            squads: vec![
                ["Ganguly", "McCullum", "Ponting", "Hussey", "Hafeez"].map(String::from).to_vec(),
                ["Dravid", "Kallis", "Jaffer", "Zaheer", "Praveen", "Ashley"].map(String::from).to_vec(),
            ],
            title: Some("IPL match 1".into()),
            venue: Some("M Chinnaswamy Stadium".into()),
            date: Some("2008-04-18".into()),
            balls_per_over: 6,
        }));
        m
    }

    /// A match with innings 1 (KKR batting) started.
    fn batting() -> Self {
        let mut m = M::new();
        m.innings(1, KKR, RCB, None);
        m
    }

    fn try_ev(&mut self, ev: Event) -> Result<Vec<PatchOp>, RuleError> {
        let before = self.s.snapshot();
        let patch = self.s.apply(&ev, self.seq + 1, 1_000 * (self.seq as i64 + 1))?;
        let ops = patch.ops();
        assert_eq!(patch.as_str(), serde_json::to_string(&ops).expect("json"), "patch text is not serde_json's");
        self.seq += 1;
        let after = self.s.snapshot();
        let mut patched = before.clone();
        apply_patch(&mut patched, &ops).expect("patch applies to the previous snapshot");
        assert_eq!(patched, after, "patch for {ev:?} does not produce the new snapshot: {ops:#?}");
        let mut oracle = before.clone();
        apply_patch(&mut oracle, &diff(&before, &after)).expect("diff applies");
        assert_eq!(oracle, after);
        for op in &ops {
            let path = match op {
                PatchOp::Add { path, .. } | PatchOp::Replace { path, .. } | PatchOp::Remove { path } => path,
            };
            assert!(!path.is_empty(), "whole-document replace");
            if matches!(ev, Event::Delivery(_)) {
                assert!(path.matches('/').count() >= 2 || path == "/current" || path == "/summary", "coarse op {path}");
            }
        }
        Ok(ops)
    }

    fn ev(&mut self, ev: Event) -> Vec<PatchOp> {
        let text = format!("{ev:?}");
        self.try_ev(ev).unwrap_or_else(|e| panic!("{text} rejected: {e}"))
    }

    fn innings(&mut self, number: u32, batting: &str, bowling: &str, target: Option<Target>) {
        self.ev(Event::InningsStart {
            number,
            batting: batting.into(),
            bowling: bowling.into(),
            super_over: false,
            target,
            max_overs: None,
            openers: vec![],
        });
    }

    fn ball(&mut self, d: D) -> Vec<PatchOp> {
        self.ev(Event::Delivery(d.0))
    }

    fn snap(&self) -> Value {
        self.s.snapshot()
    }

    fn inn(&self, i: usize) -> &livematch_sports::cricket::Innings {
        &self.s.innings()[i]
    }

    fn batter(&self, i: usize, name: &str) -> &livematch_sports::cricket::BatterRow {
        self.inn(i).batting.iter().find(|b| b.name == name).unwrap_or_else(|| panic!("no batter {name}"))
    }

    fn bowler(&self, i: usize, name: &str) -> &livematch_sports::cricket::BowlerRow {
        self.inn(i).bowling.iter().find(|b| b.name == name).unwrap_or_else(|| panic!("no bowler {name}"))
    }

    /// A full over of `runs` per ball from `bowler` to the given pair.
    fn over(&mut self, over: u32, batter: &str, ns: &str, bowler: &str, runs: u32) {
        let (mut s, mut n) = (batter.to_string(), ns.to_string());
        for ball in 1..=6 {
            self.ball(d(over, ball, &s, &n, bowler).runs(runs));
            if runs % 2 == 1 {
                std::mem::swap(&mut s, &mut n);
            }
        }
    }

    fn result(&mut self, r: MatchResult) {
        self.ev(Event::Result(r));
    }
}

/// Delivery builder.
struct D(Delivery);

fn d(over: u32, ball: u32, batter: &str, non_striker: &str, bowler: &str) -> D {
    D(Delivery {
        over,
        ball,
        batter: batter.into(),
        non_striker: non_striker.into(),
        bowler: bowler.into(),
        runs_batter: 0,
        extras: Extras::default(),
        non_boundary: false,
        wickets: vec![],
        commentary: None,
    })
}

impl D {
    fn runs(mut self, n: u32) -> Self {
        self.0.runs_batter = n;
        self
    }
    fn wd(mut self, n: u32) -> Self {
        self.0.extras.wides = n;
        self
    }
    fn nb(mut self) -> Self {
        self.0.extras.noballs = 1;
        self
    }
    fn b(mut self, n: u32) -> Self {
        self.0.extras.byes = n;
        self
    }
    fn lb(mut self, n: u32) -> Self {
        self.0.extras.legbyes = n;
        self
    }
    fn pen(mut self, n: u32) -> Self {
        self.0.extras.penalty = n;
        self
    }
    fn out(mut self, kind: DismissalKind, player: &str, fielders: &[&str]) -> Self {
        self.0.wickets.push(Wicket {
            kind,
            player_out: player.into(),
            fielders: fielders.iter().map(|f| Fielder { name: (*f).into(), substitute: false }).collect(),
        });
        self
    }
    fn text(mut self, t: &str) -> Self {
        self.0.commentary = Some(t.into());
        self
    }
}

fn win(winner: &str, by_runs: Option<u32>, by_wickets: Option<u32>) -> MatchResult {
    MatchResult {
        outcome: Outcome::Win,
        winner: Some(winner.into()),
        by_runs,
        by_wickets,
        method: None,
        eliminator: None,
    }
}

fn outcome(o: Outcome) -> MatchResult {
    MatchResult { outcome: o, winner: None, by_runs: None, by_wickets: None, method: None, eliminator: None }
}

fn crease(m: &M) -> (Option<String>, Option<String>) {
    (m.s.striker().map(String::from), m.s.non_striker().map(String::from))
}

fn pair(a: &str, b: &str) -> (Option<String>, Option<String>) {
    (Some(a.into()), Some(b.into()))
}

// ---------------------------------------------------------------- extras

#[test]
fn wide_is_not_a_legal_ball_nor_a_ball_faced_and_is_charged_to_the_bowler() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").wd(1));
    let i = m.inn(0);
    assert_eq!((i.runs, i.legal_balls, i.extras.wides), (1, 0, 1));
    assert_eq!(m.batter(0, "Ganguly").balls, 0);
    let b = m.bowler(0, "Praveen");
    assert_eq!((b.runs, b.legal_balls, b.wides), (1, 0, 1));
    assert_eq!(crease(&m), pair("Ganguly", "McCullum"));
    assert_eq!(m.snap()["current"]["recent"][0], "1wd");
    assert_eq!(
        m.snap()["commentary"].as_array().map(|c| c.last().cloned()).unwrap_or_default().unwrap_or_default()["over"],
        "0.1"
    );
}

#[test]
fn wide_with_runs_run_rotates_strike_on_odd_runs_run() {
    let mut m = M::batting();
    // 2 wides = the wide + 1 run: the batters crossed.
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").wd(2));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
    // 5 wides = wide + 4 to the boundary: no crossing.
    m.ball(d(0, 2, "McCullum", "Ganguly", "Praveen").wd(5));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
    let b = m.bowler(0, "Praveen");
    assert_eq!((b.runs, b.wides, b.legal_balls), (7, 2, 0));
    assert_eq!(m.inn(0).extras.wides, 7);
    assert_eq!(m.snap()["current"]["recent"], serde_json::json!(["2wd", "5wd"]));
}

#[test]
fn no_ball_with_runs_off_the_bat_is_a_ball_faced_and_all_charged_to_the_bowler() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").nb().runs(4));
    let i = m.inn(0);
    assert_eq!((i.runs, i.legal_balls, i.extras.noballs, i.extras.total()), (5, 0, 1, 1));
    let g = m.batter(0, "Ganguly");
    assert_eq!((g.runs, g.balls, g.fours), (4, 1, 1));
    let b = m.bowler(0, "Praveen");
    assert_eq!((b.runs, b.noballs, b.legal_balls), (5, 1, 0));
    assert_eq!(m.snap()["current"]["recent"][0], "5nb");
}

#[test]
fn byes_off_a_no_ball_are_not_charged_to_the_bowler_but_the_no_ball_is() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").nb().b(2));
    let i = m.inn(0);
    assert_eq!((i.runs, i.extras.noballs, i.extras.byes, i.extras.total()), (3, 1, 2, 3));
    assert_eq!(m.bowler(0, "Praveen").runs, 1);
    let g = m.batter(0, "Ganguly");
    assert_eq!((g.runs, g.balls), (0, 1));
    assert_eq!(crease(&m), pair("Ganguly", "McCullum"), "2 byes run: no crossing");
    assert_eq!(m.snap()["current"]["recent"][0], "3nb");
}

#[test]
fn byes_and_leg_byes_are_legal_balls_faced_not_charged_and_rotate_strike() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").b(1));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
    m.ball(d(0, 2, "McCullum", "Ganguly", "Praveen").lb(2));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
    m.ball(d(0, 3, "McCullum", "Ganguly", "Praveen").lb(4));
    let i = m.inn(0);
    assert_eq!((i.runs, i.legal_balls, i.extras.byes, i.extras.legbyes), (7, 3, 1, 6));
    assert_eq!(m.bowler(0, "Praveen").runs, 0);
    assert_eq!(m.batter(0, "McCullum").balls, 2);
    assert_eq!(m.batter(0, "McCullum").fours, 0, "leg-bye boundaries are not the batter's fours");
    assert_eq!(m.snap()["current"]["recent"], serde_json::json!(["1b", "2lb", "4lb"]));
}

#[test]
fn penalty_runs_count_to_the_total_not_to_the_bowler() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").pen(5));
    let i = m.inn(0);
    assert_eq!((i.runs, i.extras.penalty, i.extras.total(), i.legal_balls), (5, 5, 5, 1));
    assert_eq!(m.bowler(0, "Praveen").runs, 0);
    assert_eq!(crease(&m), pair("Ganguly", "McCullum"));
    let snap = m.snap();
    assert_eq!(snap["innings"][0]["extras"]["penalty"], 5);
    assert_eq!(snap["current"]["recent"][0], "5p");
}

#[test]
fn fours_and_sixes_need_a_boundary() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(4));
    m.ball(d(0, 2, "Ganguly", "McCullum", "Praveen").runs(6));
    let mut run4 = d(0, 3, "Ganguly", "McCullum", "Praveen").runs(4);
    run4.0.non_boundary = true;
    m.ball(run4);
    let g = m.batter(0, "Ganguly");
    assert_eq!((g.runs, g.balls, g.fours, g.sixes), (14, 3, 1, 1));
    let row = &m.snap()["innings"][0]["batting"][0];
    assert_eq!(row["strike_rate"], 466.67);
}

// ---------------------------------------------------------------- dismissals

#[test]
fn bowler_is_credited_only_with_the_right_dismissals_and_text_is_official() {
    let cases: [(DismissalKind, &[&str], &str, bool); 10] = [
        (DismissalKind::Bowled, &[], "b Praveen", true),
        (DismissalKind::Caught, &["Kallis"], "c Kallis b Praveen", true),
        (DismissalKind::CaughtAndBowled, &[], "c & b Praveen", true),
        (DismissalKind::Lbw, &[], "lbw b Praveen", true),
        (DismissalKind::Stumped, &["Dravid"], "st Dravid b Praveen", true),
        (DismissalKind::HitWicket, &[], "hit wicket b Praveen", true),
        (DismissalKind::RunOut, &["Kallis"], "run out (Kallis)", false),
        (DismissalKind::ObstructingTheField, &[], "obstructing the field", false),
        (DismissalKind::HandledTheBall, &[], "handled the ball", false),
        (DismissalKind::HitTheBallTwice, &[], "hit the ball twice", false),
    ];
    for (kind, fielders, text, credited) in cases {
        let mut m = M::batting();
        m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").out(kind, "Ganguly", fielders));
        let g = m.batter(0, "Ganguly");
        assert!(g.is_out(), "{kind:?}");
        assert_eq!(g.dismissal(), text);
        assert_eq!(m.inn(0).wickets, 1, "{kind:?}");
        assert_eq!(m.bowler(0, "Praveen").wickets, u32::from(credited), "{kind:?}");
        assert_eq!(m.inn(0).fow.len(), 1);
        let snap = m.snap();
        assert_eq!(snap["innings"][0]["batting"][0]["dismissal"], text);
        assert_eq!(snap["innings"][0]["batting"][0]["out"], true);
        assert_eq!(snap["innings"][0]["fow"][0]["over"], "0.1");
        assert_eq!(snap["current"]["recent"][0], "W");
        assert_eq!(m.batter(0, "McCullum").dismissal(), "not out");
    }
}

#[test]
fn substitute_fielders_and_unknown_fielders_are_accepted() {
    let mut m = M::batting();
    let mut del = d(0, 1, "Ganguly", "McCullum", "Praveen");
    del.0.wickets.push(Wicket {
        kind: DismissalKind::Caught,
        player_out: "Ganguly".into(),
        fielders: vec![Fielder { name: "Not In Any Squad".into(), substitute: true }],
    });
    m.ball(del);
    assert_eq!(m.batter(0, "Ganguly").dismissal(), "c sub (Not In Any Squad) b Praveen");
    assert_eq!(m.bowler(0, "Praveen").wickets, 1);
}

#[test]
fn timed_out_and_retired_out_are_wickets_not_credited_to_the_bowler() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").out(DismissalKind::Bowled, "Ganguly", &[]));
    m.ball(d(0, 2, "McCullum", "Ponting", "Praveen").out(DismissalKind::TimedOut, "Hussey", &[]));
    assert_eq!(m.batter(0, "Hussey").dismissal(), "timed out");
    assert_eq!(m.batter(0, "Hussey").balls, 0);
    m.ev(Event::Retirement { batter: "Ponting".into(), kind: RetirementKind::Out });
    assert_eq!(m.batter(0, "Ponting").dismissal(), "retired out");
    assert_eq!(m.inn(0).wickets, 3);
    assert_eq!(m.bowler(0, "Praveen").wickets, 1);
    assert_eq!(m.inn(0).fow.iter().map(|f| f.player.as_str()).collect::<Vec<_>>(), ["Ganguly", "Hussey", "Ponting"]);
}

#[test]
fn multiple_wickets_on_one_delivery() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1));
    m.ball(d(0, 2, "McCullum", "Ganguly", "Praveen").runs(1).out(DismissalKind::RunOut, "Ganguly", &["Kallis"]).out(
        DismissalKind::RetiredHurt,
        "McCullum",
        &[],
    ));
    let i = m.inn(0);
    assert_eq!((i.runs, i.wickets, i.fow.len()), (2, 1, 1));
    assert_eq!(i.fow[0].runs, 2);
    assert_eq!(crease(&m), (None, None), "both batters left the crease");
    assert!(matches!(m.batter(0, "McCullum").state, BatState::Retired { .. }));
    assert_eq!(m.snap()["current"]["recent"][1], "1+W");
    // Two wickets that both count.
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").out(DismissalKind::RunOut, "McCullum", &["Kallis"]).out(
        DismissalKind::ObstructingTheField,
        "Ganguly",
        &[],
    ));
    assert_eq!(m.inn(0).wickets, 2);
    assert_eq!(m.inn(0).fow.iter().map(|f| f.wicket).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(m.bowler(0, "Praveen").wickets, 0);
}

// ---------------------------------------------------------------- strike

#[test]
fn strike_rotates_on_odd_runs_and_at_the_end_of_the_over() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
    m.ball(d(0, 2, "McCullum", "Ganguly", "Praveen").runs(2));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
    m.ball(d(0, 3, "McCullum", "Ganguly", "Praveen").runs(3));
    assert_eq!(crease(&m), pair("Ganguly", "McCullum"));
    m.ball(d(0, 4, "Ganguly", "McCullum", "Praveen").runs(4));
    m.ball(d(0, 5, "Ganguly", "McCullum", "Praveen").runs(0));
    assert_eq!(crease(&m), pair("Ganguly", "McCullum"));
    m.ball(d(0, 6, "Ganguly", "McCullum", "Praveen").runs(0));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"), "end of over swaps ends");
    // An odd run off the last ball: crossing and the end of over cancel out.
    m.ball(d(1, 1, "McCullum", "Ganguly", "Zaheer"));
    for ball in 2..=5 {
        m.ball(d(1, ball, "McCullum", "Ganguly", "Zaheer"));
    }
    m.ball(d(1, 6, "McCullum", "Ganguly", "Zaheer").runs(1));
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
    let cur = &m.snap()["current"];
    assert_eq!(cur["striker"]["name"], "McCullum");
    assert_eq!(cur["bowler"]["name"], "Zaheer");
    assert_eq!(cur["overs"], "2");
}

#[test]
fn a_wicket_removes_the_batter_out_and_the_next_ball_names_the_new_one() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").out(DismissalKind::Bowled, "Ganguly", &[]));
    assert_eq!(crease(&m), (None, Some("McCullum".into())));
    assert_eq!(m.snap()["current"]["striker"], Value::Null);
    m.ball(d(0, 2, "Ponting", "McCullum", "Praveen").runs(1));
    assert_eq!(crease(&m), pair("McCullum", "Ponting"));
    let names: Vec<_> = m.inn(0).batting.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["Ganguly", "McCullum", "Ponting"], "order of coming in");
    assert_eq!(m.inn(0).partnerships.len(), 2);
    assert!(!m.inn(0).partnerships[0].open);
    assert_eq!(m.inn(0).partnerships[1].wicket, 2);
}

#[test]
fn run_out_of_the_non_striker() {
    let mut m = M::batting();
    // Ganguly hits, they run one, McCullum is run out going for the second.
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1).out(DismissalKind::RunOut, "McCullum", &["Kallis"]));
    assert_eq!(crease(&m), (None, Some("Ganguly".into())));
    assert_eq!(m.bowler(0, "Praveen").wickets, 0);
    assert_eq!(m.batter(0, "McCullum").balls, 0);
    assert_eq!(m.batter(0, "Ganguly").runs, 1);
    assert_eq!(m.inn(0).fow[0].runs, 1);
    let text = m.snap()["commentary"].as_array().and_then(|c| c.last()).map(|c| c["text"].clone());
    assert_eq!(text, Some(Value::from("0.1 Praveen to Ganguly, OUT! McCullum run out (Kallis), 1 run")));
}

#[test]
fn a_delivery_naming_other_batters_is_trusted() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1));
    // The scorer says Ganguly faced again (our prediction was McCullum).
    m.ball(d(0, 2, "Ganguly", "McCullum", "Praveen").runs(0));
    assert_eq!(m.batter(0, "Ganguly").balls, 2);
    assert_eq!(crease(&m), pair("Ganguly", "McCullum"));
}

// ---------------------------------------------------------------- overs and maidens

#[test]
fn overs_text_counts_legal_balls_only_even_with_eight_deliveries_in_an_over() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").wd(1));
    m.ball(d(0, 2, "Ganguly", "McCullum", "Praveen").nb());
    for ball in 3..=7 {
        m.ball(d(0, ball, "Ganguly", "McCullum", "Praveen"));
    }
    assert_eq!(m.snap()["innings"][0]["bowling"][0]["overs"], "0.5");
    assert_eq!(m.snap()["innings"][0]["overs"], "0.5");
    m.ball(d(0, 8, "Ganguly", "McCullum", "Praveen"));
    let snap = m.snap();
    assert_eq!(snap["innings"][0]["bowling"][0]["overs"], "1");
    assert_eq!(snap["innings"][0]["bowling"][0]["legal_balls"], 6);
    assert_eq!(snap["innings"][0]["bowling"][0]["maidens"], 0, "wide and no-ball were charged");
    let overs: Vec<_> = snap["commentary"]
        .as_array()
        .map(|c| c.iter().filter_map(|e| e["over"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    assert_eq!(overs, ["0.1", "0.1", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6"]);
    assert_eq!(snap["innings"][0]["overs_detail"][0]["runs"], 2);
    assert_eq!(snap["current"]["this_over"].as_array().map(Vec::len), Some(8));
}

#[test]
fn maiden_is_a_complete_over_by_one_bowler_with_nothing_charged() {
    let mut m = M::batting();
    m.over(0, "Ganguly", "McCullum", "Praveen", 0);
    assert_eq!(m.bowler(0, "Praveen").maidens, 1);
    // Leg-byes and byes do not spoil a maiden.
    for ball in 1..=6 {
        let del = d(1, ball, "McCullum", "Ganguly", "Zaheer");
        m.ball(if ball == 3 {
            del.lb(2)
        } else if ball == 4 {
            del.b(4)
        } else {
            del
        });
    }
    assert_eq!(m.bowler(0, "Zaheer").maidens, 1);
    assert_eq!(m.snap()["innings"][0]["bowling"][1]["runs"], 0);
    // One run off the bat does.
    m.over(2, "Ganguly", "McCullum", "Praveen", 1);
    assert_eq!(m.bowler(0, "Praveen").maidens, 1);
    let cum: Vec<_> = m.inn(0).overs.iter().map(|o| (o.runs, o.cumulative)).collect();
    assert_eq!(cum, [(0, 0), (6, 6), (6, 12)]);
}

#[test]
fn mid_over_bowler_change_splits_legal_balls_and_is_no_maiden() {
    let mut m = M::batting();
    for ball in 1..=3 {
        m.ball(d(0, ball, "Ganguly", "McCullum", "Praveen"));
    }
    m.ev(Event::BowlerChange { over: 0, bowler: "Zaheer".into() });
    assert_eq!(m.snap()["current"]["bowler"]["name"], "Zaheer");
    for ball in 4..=6 {
        m.ball(d(0, ball, "Ganguly", "McCullum", "Zaheer"));
    }
    let snap = m.snap();
    assert_eq!(snap["innings"][0]["bowling"][0]["overs"], "0.3");
    assert_eq!(snap["innings"][0]["bowling"][1]["overs"], "0.3");
    assert_eq!(snap["innings"][0]["bowling"][0]["maidens"], 0);
    assert_eq!(snap["innings"][0]["bowling"][1]["maidens"], 0);
    assert_eq!(snap["innings"][0]["overs"], "1");
    assert_eq!(crease(&m), pair("McCullum", "Ganguly"));
}

#[test]
fn recent_chips_keep_the_last_twelve_balls() {
    let mut m = M::batting();
    for over in 0..3 {
        m.over(over, "Ganguly", "McCullum", "Praveen", 2);
    }
    let recent = m.snap()["current"]["recent"].as_array().map(Vec::len);
    assert_eq!(recent, Some(12));
    assert_eq!(m.snap()["current"]["this_over"].as_array().map(Vec::len), Some(6));
}

// ---------------------------------------------------------------- retirements

#[test]
fn retired_hurt_is_not_a_wicket_and_the_batter_can_return_on_the_same_row() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(2));
    m.ev(Event::Retirement { batter: "Ganguly".into(), kind: RetirementKind::Hurt });
    assert_eq!(m.inn(0).wickets, 0);
    assert!(m.inn(0).fow.is_empty());
    assert_eq!(m.batter(0, "Ganguly").dismissal(), "retired hurt");
    assert_eq!(m.snap()["innings"][0]["batting"][0]["out"], false);
    assert_eq!(crease(&m), (None, Some("McCullum".into())));
    m.ball(d(0, 2, "Ponting", "McCullum", "Praveen").out(DismissalKind::Bowled, "Ponting", &[]));
    // Ganguly comes back.
    m.ball(d(0, 3, "Ganguly", "McCullum", "Praveen").runs(4));
    assert_eq!(m.inn(0).batting.len(), 3);
    let g = m.batter(0, "Ganguly");
    assert_eq!((g.runs, g.balls, g.dismissal()), (6, 2, "not out"));
    assert_eq!(m.inn(0).wickets, 1);
    assert_eq!(m.inn(0).partnerships.len(), 3);
}

#[test]
fn retired_hurt_on_a_delivery_and_retired_not_out() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1).out(DismissalKind::RetiredHurt, "Ganguly", &[]));
    assert_eq!(m.inn(0).wickets, 0);
    assert_eq!(m.snap()["current"]["recent"][0], "1");
    m.ev(Event::Retirement { batter: "McCullum".into(), kind: RetirementKind::NotOut });
    assert_eq!(m.batter(0, "McCullum").dismissal(), "retired not out");
    assert_eq!(m.inn(0).wickets, 0);
}

#[test]
fn replacement_swaps_the_player_into_the_squad() {
    let mut m = M::new();
    m.ev(Event::Replacement {
        team: RCB.into(),
        player_in: "Kumble".into(),
        player_out: Some("Ashley".into()),
        reason: Some("impact player".into()),
    });
    let squads = &m.snap()["squads"];
    assert_eq!(squads[1][5], "Kumble");
    assert!(!squads[1].as_array().is_some_and(|s| s.contains(&Value::from("Ashley"))));
    m.ev(Event::Replacement { team: KKR.into(), player_in: "Agarkar".into(), player_out: None, reason: None });
    assert_eq!(m.snap()["squads"][0][5], "Agarkar");
}

// ---------------------------------------------------------------- targets, super overs, results

fn two_short_innings() -> M {
    let mut m = M::new();
    m.ev(Event::Toss { winner: RCB.into(), decision: TossDecision::Field });
    m.innings(1, KKR, RCB, None);
    m.over(0, "Ganguly", "McCullum", "Praveen", 2);
    m.ev(Event::InningsEnd { number: 1, reason: InningsEndReason::OversComplete });
    m.innings(2, RCB, KKR, None);
    m
}

#[test]
fn chasing_innings_gets_a_target_required_rate_and_equation() {
    let mut m = two_short_innings();
    let snap = m.snap();
    assert_eq!(snap["innings"][1]["target"], 13);
    assert_eq!(snap["innings"][1]["target_overs"], 20);
    assert_eq!(snap["toss"], "Royal Challengers Bangalore won the toss and chose to field");
    m.ball(d(0, 1, "Dravid", "Kallis", "Ganguly").runs(1));
    let cur = &m.snap()["current"];
    assert_eq!(cur["equation"], "needs 12 from 119 balls");
    assert_eq!(cur["required_rate"], 0.61);
    assert_eq!(cur["target"], 13);
    assert_eq!(m.s.summary(), "KKR 12/0 (1) · RCB 1/0 (0.1)");
}

#[test]
fn won_by_runs_and_by_wickets_with_balls_left() {
    let mut m = two_short_innings();
    m.ball(d(0, 1, "Dravid", "Kallis", "Ganguly").runs(1));
    m.ev(Event::InningsEnd { number: 2, reason: InningsEndReason::AllOut });
    m.result(win(KKR, Some(11), None));
    assert_eq!(m.s.result_text().as_deref(), Some("Kolkata Knight Riders won by 11 runs"));
    assert_eq!(m.s.status(), Status::Completed);
    assert_eq!(m.snap()["winner"], KKR);

    let mut m = two_short_innings();
    m.ball(d(0, 1, "Dravid", "Kallis", "Ganguly").runs(6));
    m.ball(d(0, 2, "Dravid", "Kallis", "Ganguly").runs(6));
    m.ball(d(0, 3, "Dravid", "Kallis", "Ganguly").runs(1));
    m.ev(Event::InningsEnd { number: 2, reason: InningsEndReason::TargetReached });
    m.result(win(RCB, None, Some(10)));
    assert_eq!(m.s.result_text().as_deref(), Some("Royal Challengers Bangalore won by 10 wickets (117 balls left)"));
    assert_eq!(m.snap()["result"], "Royal Challengers Bangalore won by 10 wickets (117 balls left)");
    assert_eq!(m.snap()["current"]["equation"], Value::Null);
}

#[test]
fn target_revision_replaces_the_target_and_marks_the_result() {
    // Revision between innings: applies to the next innings, over the event's own target.
    let mut m = M::new();
    m.innings(1, KKR, RCB, None);
    m.over(0, "Ganguly", "McCullum", "Praveen", 2);
    m.ev(Event::InningsEnd { number: 1, reason: InningsEndReason::Interrupted });
    m.ev(Event::TargetRevision { runs: 20, overs: 5, method: "D/L".into() });
    m.innings(2, RCB, KKR, Some(Target { runs: 13, overs: Some(20) }));
    let snap = m.snap();
    assert_eq!(
        (snap["innings"][1]["target"].clone(), snap["innings"][1]["target_overs"].clone()),
        (20.into(), 5.into())
    );
    assert_eq!(snap["innings"][1]["method"], "D/L");
    // Revised again during the chase.
    m.ball(d(0, 1, "Dravid", "Kallis", "Ganguly").runs(4));
    m.ev(Event::TargetRevision { runs: 15, overs: 3, method: "DLS".into() });
    let cur = m.snap()["current"].clone();
    assert_eq!(cur["target"], 15);
    assert_eq!(cur["equation"], "needs 11 from 17 balls");
    assert_eq!(m.inn(1).target, Some(15));
    let mut result = win(RCB, None, Some(10));
    result.method = Some("D/L".into());
    m.result(result);
    assert_eq!(m.s.result_text().as_deref(), Some("Royal Challengers Bangalore won by 10 wickets (D/L method)"));
    let kinds: Vec<_> =
        m.snap()["commentary"].as_array().map(|c| c.iter().map(|e| e["kind"].clone()).collect()).unwrap_or_default();
    assert_eq!(kinds.iter().filter(|k| *k == "target_revision").count(), 2);
}

#[test]
fn super_over_is_its_own_innings_and_a_tie_names_who_won_it() {
    let mut m = two_short_innings();
    m.over(0, "Dravid", "Kallis", "Ganguly", 2);
    m.ev(Event::InningsEnd { number: 2, reason: InningsEndReason::OversComplete });
    m.ev(Event::InningsStart {
        number: 3,
        batting: RCB.into(),
        bowling: KKR.into(),
        super_over: true,
        target: None,
        max_overs: None,
        openers: vec!["Dravid".into(), "Kallis".into()],
    });
    assert_eq!(crease(&m), pair("Dravid", "Kallis"));
    m.ball(d(0, 1, "Dravid", "Kallis", "Hafeez").runs(6));
    m.ev(Event::InningsEnd { number: 3, reason: InningsEndReason::AllOut });
    m.ev(Event::InningsStart {
        number: 4,
        batting: KKR.into(),
        bowling: RCB.into(),
        super_over: true,
        target: None,
        max_overs: None,
        openers: vec![],
    });
    let snap = m.snap();
    assert_eq!(snap["innings"][2]["super_over"], true);
    assert_eq!(snap["innings"][2]["max_overs"], 1);
    assert_eq!(snap["innings"][3]["target"], 7, "second super-over innings chases the first");
    assert_eq!(snap["innings"][2]["batting"][0]["name"], "Dravid");
    m.ball(d(0, 1, "Ganguly", "McCullum", "Zaheer").runs(1));
    assert_eq!(m.s.summary(), "KKR 12/0 (1) · RCB 12/0 (1) · SO: RCB 6/0 (0.1), KKR 1/0 (0.1)");
    m.ev(Event::InningsEnd { number: 4, reason: InningsEndReason::Interrupted });
    m.result(MatchResult { eliminator: Some(RCB.into()), ..outcome(Outcome::Tie) });
    assert_eq!(m.s.result_text().as_deref(), Some("Match tied (Royal Challengers Bangalore won the Super Over)"));
    assert_eq!(m.snap()["winner"], RCB);
}

#[test]
fn tie_no_result_and_abandoned() {
    let mut m = two_short_innings();
    m.result(outcome(Outcome::Tie));
    assert_eq!(m.s.result_text().as_deref(), Some("Match tied"));
    assert_eq!(m.snap()["winner"], Value::Null);

    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1));
    m.result(outcome(Outcome::NoResult));
    assert_eq!((m.s.status(), m.s.result_text()), (Status::Completed, Some("No result".into())));
    assert!(m.inn(0).closed);
    assert_eq!(m.snap()["status"], "completed");

    let mut m = M::new();
    m.result(outcome(Outcome::NoResult));
    assert_eq!((m.s.status(), m.s.result_text()), (Status::Abandoned, Some("No result".into())));

    let mut m = M::new();
    m.result(outcome(Outcome::Abandoned));
    assert_eq!(m.s.status(), Status::Abandoned);
    assert_eq!(m.snap()["status"], "abandoned");
    assert_eq!(m.snap()["result"], "Match abandoned");
}

// ---------------------------------------------------------------- status, summary, commentary

#[test]
fn status_and_summary_through_the_match() {
    let mut m = M { s: State::default(), seq: 0 };
    assert_eq!(m.s.status(), Status::Scheduled);
    assert_eq!(m.s.summary(), "");
    m = M::new();
    assert_eq!(m.s.summary(), "KKR v RCB");
    assert_eq!(m.s.teams(), [KKR, RCB]);
    assert_eq!(m.snap()["status"], "scheduled");
    assert_eq!(m.snap()["current"], Value::Null);
    m.innings(1, KKR, RCB, None);
    assert_eq!(m.s.status(), Status::Live);
    assert_eq!(m.s.summary(), "KKR v RCB");
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(4));
    assert_eq!(m.s.summary(), "KKR 4/0 (0.1)");
    assert_eq!(m.snap()["summary"], "KKR 4/0 (0.1)");
    assert_eq!(m.snap()["format"], "t20");
    assert_eq!(m.snap()["venue"], "M Chinnaswamy Stadium");
}

#[test]
fn commentary_uses_the_given_text_or_a_generated_line_and_covers_other_events() {
    let mut m = M::new();
    m.ev(Event::Toss { winner: KKR.into(), decision: TossDecision::Bat });
    m.innings(1, KKR, RCB, None);
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").text("Praveen to Ganguly, beaten!"));
    m.ball(d(0, 2, "Ganguly", "McCullum", "Praveen").runs(6));
    let c = m.snap()["commentary"].clone();
    let arr = c.as_array().cloned().unwrap_or_default();
    let kinds: Vec<_> = arr.iter().map(|e| e["kind"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(kinds, ["match_start", "toss", "innings_start", "delivery", "delivery"]);
    assert_eq!(arr[3]["text"], "Praveen to Ganguly, beaten!");
    assert_eq!(arr[4]["text"], "0.2 Praveen to Ganguly, SIX");
    assert_eq!(arr[4]["chip"], "6");
    assert_eq!(arr[4]["runs"], 6);
    assert_eq!(arr[4]["seq"], 5);
    assert_eq!(arr[4]["innings"], 0);
    assert_eq!(arr[0]["innings"], Value::Null);
    assert_eq!(arr[1]["text"], "Kolkata Knight Riders won the toss and chose to bat");
}

#[test]
fn snapshot_numbers_are_rounded_rates() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1));
    m.ball(d(0, 2, "McCullum", "Ganguly", "Praveen").runs(0));
    m.ball(d(0, 3, "McCullum", "Ganguly", "Praveen").runs(0));
    let snap = m.snap();
    assert_eq!(snap["innings"][0]["run_rate"], 2.0);
    assert_eq!(snap["innings"][0]["bowling"][0]["economy"], 2.0);
    assert_eq!(snap["innings"][0]["batting"][1]["strike_rate"], 0.0);
    m.ball(d(0, 4, "McCullum", "Ganguly", "Praveen").runs(1));
    m.ball(d(0, 5, "Ganguly", "McCullum", "Praveen").runs(1));
    m.ball(d(0, 6, "McCullum", "Ganguly", "Praveen").runs(1));
    m.ball(d(1, 1, "McCullum", "Ganguly", "Zaheer").runs(1));
    assert_eq!(m.snap()["innings"][0]["run_rate"], 4.29, "5 runs off 7 balls");
}

// ---------------------------------------------------------------- errors

fn rejected(m: &mut M, ev: Event, label: &str) -> RuleError {
    let before_state = m.s.clone();
    let before_snap = m.s.snapshot();
    let err = m.s.apply(&ev, m.seq + 1, 0).expect_err("event must be rejected");
    assert_eq!(err.metric_label(), label, "{err}");
    assert_eq!(m.s, before_state, "state changed by rejected {ev:?}");
    assert_eq!(m.s.snapshot(), before_snap);
    err
}

#[test]
fn rejected_events_leave_the_state_unchanged() {
    let mut fresh = M { s: State::default(), seq: 0 };
    rejected(&mut fresh, Event::Toss { winner: KKR.into(), decision: TossDecision::Bat }, "not_started");

    let mut m = M::new();
    let start = Event::MatchStart(MatchInfo {
        format: Format::Odi,
        teams: vec!["A".into(), "B".into()],
        squads: vec![],
        title: None,
        venue: None,
        date: None,
        balls_per_over: 6,
    });
    rejected(&mut m, start, "already_started");
    let e = rejected(&mut m, Event::Delivery(d(0, 1, "Ganguly", "McCullum", "Praveen").0), "no_innings");
    assert!(e.to_string().contains("delivery"), "{e}");
    rejected(&mut m, Event::Toss { winner: "Mumbai".into(), decision: TossDecision::Bat }, "unknown_team");
    let e = rejected(
        &mut m,
        Event::InningsStart {
            number: 2,
            batting: KKR.into(),
            bowling: RCB.into(),
            super_over: false,
            target: None,
            max_overs: None,
            openers: vec![],
        },
        "innings_order",
    );
    assert!(e.to_string().contains("expected the next innings 1"), "{e}");
    rejected(
        &mut m,
        Event::InningsStart {
            number: 1,
            batting: KKR.into(),
            bowling: KKR.into(),
            super_over: false,
            target: None,
            max_overs: None,
            openers: vec![],
        },
        "unknown_team",
    );

    m.innings(1, KKR, RCB, None);
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1));
    let e = rejected(
        &mut m,
        Event::Delivery(d(0, 2, "McCullum", "Ganguly", "Praveen").out(DismissalKind::Bowled, "Ponting", &[]).0),
        "not_at_crease",
    );
    assert!(e.to_string().contains("Ponting"), "{e}");
    rejected(&mut m, Event::Retirement { batter: "Ponting".into(), kind: RetirementKind::Hurt }, "not_at_crease");
    rejected(&mut m, Event::Delivery(d(0, 2, "McCullum", "McCullum", "Praveen").0), "illegal_delivery");
    rejected(&mut m, Event::Delivery(d(0, 2, "McCullum", "Ganguly", "Praveen").wd(1).nb().0), "illegal_delivery");
    rejected(
        &mut m,
        Event::Delivery(d(0, 2, "McCullum", "Ganguly", "Praveen").nb().out(DismissalKind::Bowled, "McCullum", &[]).0),
        "illegal_delivery",
    );
    rejected(
        &mut m,
        Event::Delivery(d(0, 2, "McCullum", "Ganguly", "Praveen").out(DismissalKind::Lbw, "Ganguly", &[]).0),
        "illegal_delivery",
    );
    m.ball(d(1, 1, "McCullum", "Ganguly", "Zaheer").out(DismissalKind::Bowled, "McCullum", &[]));
    rejected(&mut m, Event::Delivery(d(0, 3, "Ponting", "Ganguly", "Praveen").0), "illegal_delivery");
    rejected(&mut m, Event::Delivery(d(1, 2, "McCullum", "Ganguly", "Zaheer").0), "already_out");
    rejected(&mut m, Event::InningsEnd { number: 2, reason: InningsEndReason::AllOut }, "innings_order");
    rejected(&mut m, Event::TargetRevision { runs: 0, overs: 5, method: "D/L".into() }, "bad_target");
    rejected(&mut m, Event::Result(MatchResult { winner: None, ..win(KKR, None, None) }), "bad_result");
    m.result(win(KKR, Some(1), None));
    let e = rejected(&mut m, Event::Delivery(d(1, 2, "Ponting", "Ganguly", "Zaheer").0), "finished");
    assert!(e.to_string().contains("after the match result"), "{e}");
    rejected(&mut m, Event::Result(win(KKR, Some(1), None)), "finished");
}

#[test]
fn innings_start_closes_an_innings_left_open() {
    let mut m = M::batting();
    m.ball(d(0, 1, "Ganguly", "McCullum", "Praveen").runs(1));
    m.innings(2, RCB, KKR, None);
    assert!(m.inn(0).closed);
    assert!(!m.inn(0).partnerships[0].open);
    assert_eq!(m.inn(1).target, Some(2));
}

// ---------------------------------------------------------------- engine

#[test]
fn match_state_patches_carry_seq_and_updated() {
    let mut ms = MatchState::new("kkr-rcb", Sport::Cricket);
    let mut m = M::new();
    let mut events: Vec<Event> = Vec::new();
    // Re-create the events M::new applied plus some play.
    events.push(Event::MatchStart(MatchInfo {
        format: Format::T20,
        teams: vec![KKR.into(), RCB.into()],
        squads: vec![],
        title: None,
        venue: None,
        date: None,
        balls_per_over: 6,
    }));
    events.push(Event::InningsStart {
        number: 1,
        batting: KKR.into(),
        bowling: RCB.into(),
        super_over: false,
        target: None,
        max_overs: None,
        openers: vec![],
    });
    for ball in 1..=6 {
        events.push(Event::Delivery(d(0, ball, "Ganguly", "McCullum", "Praveen").runs(ball % 3).0));
    }
    for (i, ev) in events.into_iter().enumerate() {
        let seq = i as u64 + 1;
        let before = ms.snapshot();
        let applied = ms
            .apply(&Envelope::new("kkr-rcb", seq, 10 * seq as i64, livematch_sports::Event::Cricket(ev)))
            .expect("valid");
        let mut doc = before;
        apply_patch(&mut doc, &applied.patch.ops()).expect("patch applies");
        assert_eq!(doc, ms.snapshot());
        assert_eq!(doc["seq"], seq);
    }
    assert_eq!(ms.summary(), "KKR 6/0 (1)");
    m.innings(1, KKR, RCB, None);
    assert_eq!(ms.status(), m.s.status());
}
