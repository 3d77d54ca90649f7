//! One innings, ball by ball, with the simulator's own light bookkeeping:
//! score, wickets, legal balls, who is on strike at which end, the batting
//! order (and retired batters who may come back) and the bowling rotation.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Sim;
use super::bowlers::Rotation;
use super::commentary::{self, Names};
use super::model::{self, BallContext, BallKind, Phase, Shot};
use super::squads::{BowlingKind, Team};
use crate::cricket::{Delivery, DismissalKind, Event, Extras, Fielder, Format, InningsEndReason, Target, Wicket};

/// Chance per delivery that the striker retires hurt (about once in twenty T20 innings).
const RETIRE_HURT: f64 = 0.0002;
/// Chance that a retired batter comes back at the fall of a wicket while
/// others are still waiting to bat (they always come back when nobody else is left).
const RETURN_EARLY: f64 = 0.35;

/// What an innings is: who bats, who bowls, and its limits.
#[derive(Debug, Clone)]
pub(crate) struct InningsSpec<'a> {
    /// 1-based, counting super-over innings.
    pub number: u32,
    pub format: Format,
    pub batting: &'a Team,
    pub bowling: &'a Team,
    pub super_over: bool,
    /// Runs to win, for the side batting second.
    pub target: Option<u32>,
    pub overs: u32,
    /// The innings is over when this many wickets are down (10, or 2 in a super over).
    pub max_wickets: u32,
    /// Batting order: indexes into `batting.players`.
    pub order: Vec<usize>,
    /// Who may bowl: indexes into `bowling.players`.
    pub bowlers: Vec<usize>,
    /// Pitch factor of the match (1.0 average).
    pub pitch: f64,
    /// The batting side's form on the day (1.0 average).
    pub form: f64,
}

/// How an innings went.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InningsScore {
    pub runs: u32,
    pub wickets: u32,
    pub legal_balls: u32,
    pub fours: u32,
    pub sixes: u32,
    pub reason: InningsEndReason,
    /// Batters dismissed (not retired hurt).
    pub dismissed: Vec<usize>,
    /// Bowlers who bowled.
    pub bowlers_used: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    In,
    Out,
    Retired,
}

#[derive(Debug, Clone, Copy)]
struct Batter {
    runs: u32,
    balls: u32,
    status: Status,
}

/// The simulator's view of an innings in progress.
struct Innings<'s, 'a> {
    spec: &'s InningsSpec<'a>,
    bats: Vec<Batter>,
    striker: usize,
    non_striker: usize,
    /// Position in `spec.order` of the next batter to come in.
    next: usize,
    retired: Vec<usize>,
    runs: u32,
    wickets: u32,
    legal: u32,
    fours: u32,
    sixes: u32,
    free_hit: bool,
    dismissed: Vec<usize>,
}

/// What happened on one delivery, before commentary.
struct Outcome {
    extras: Extras,
    runs_batter: u32,
    all_run: bool,
    /// Times the batters crossed (runs physically run).
    crossings: u32,
    wicket: Option<DismissalKind>,
}

/// Play one innings, appending its events (from `InningsStart` to `InningsEnd`).
pub(crate) fn play(sim: &mut Sim, spec: &InningsSpec<'_>) -> InningsScore {
    let mut inn = Innings::new(spec);
    sim.events.push(Event::InningsStart {
        number: spec.number,
        batting: spec.batting.name.clone(),
        bowling: spec.bowling.name.clone(),
        super_over: spec.super_over,
        target: spec.target.map(|runs| Target { runs, overs: Some(spec.overs) }),
        max_overs: spec.super_over.then_some(spec.overs),
        openers: vec![inn.name(inn.striker).to_string(), inn.name(inn.non_striker).to_string()],
    });
    let limit = if spec.super_over { 1 } else { spec.format.bowler_overs() };
    let mut rotation = Rotation::new(spec.format, spec.overs, limit, spec.bowlers.clone(), spec.bowling.players.len());
    let mut bowlers_used = Vec::new();
    let mut reason = InningsEndReason::OversComplete;
    'overs: for over in 0..spec.overs {
        let bowler = rotation.next(spec.bowling, &mut sim.rng);
        if !bowlers_used.contains(&bowler) {
            bowlers_used.push(bowler);
        }
        sim.events.push(Event::BowlerChange { over, bowler: spec.bowling.players[bowler].name.clone() });
        let mut ball = 0;
        let mut legal = 0;
        while legal < 6 {
            ball += 1;
            let (was_legal, end) = inn.delivery(sim, over, ball, bowler);
            if was_legal {
                legal += 1;
            }
            if let Some(r) = end {
                reason = r;
                break 'overs;
            }
        }
        std::mem::swap(&mut inn.striker, &mut inn.non_striker);
    }
    sim.events.push(Event::InningsEnd { number: spec.number, reason });
    InningsScore {
        runs: inn.runs,
        wickets: inn.wickets,
        legal_balls: inn.legal,
        fours: inn.fours,
        sixes: inn.sixes,
        reason,
        dismissed: inn.dismissed,
        bowlers_used,
    }
}

impl<'s, 'a> Innings<'s, 'a> {
    fn new(spec: &'s InningsSpec<'a>) -> Self {
        let mut bats = vec![Batter { runs: 0, balls: 0, status: Status::Waiting }; spec.batting.players.len()];
        let striker = spec.order.first().copied().unwrap_or(0);
        let non_striker = spec.order.get(1).copied().unwrap_or(1);
        bats[striker].status = Status::In;
        bats[non_striker].status = Status::In;
        Innings {
            spec,
            bats,
            striker,
            non_striker,
            next: 2,
            retired: Vec::new(),
            runs: 0,
            wickets: 0,
            legal: 0,
            fours: 0,
            sixes: 0,
            free_hit: false,
            dismissed: Vec::new(),
        }
    }

    fn name(&self, who: usize) -> &'a str {
        &self.spec.batting.players[who].name
    }

    fn short(&self, who: usize) -> &'a str {
        self.spec.batting.players[who].short_name()
    }

    /// How hard the batters push: wickets in hand, phase and, in a chase,
    /// the required rate against par.
    fn aggression(&self, phase: Phase) -> f64 {
        let spec = self.spec;
        if spec.super_over {
            return 0.9;
        }
        let w = self.wickets;
        let mut a: f64 = match spec.format {
            Format::T20 => match phase {
                _ if w >= 7 => -0.4,
                Phase::Death if w <= 4 => 0.3,
                Phase::Death => 0.0,
                _ if w >= 5 => -0.25,
                _ => 0.0,
            },
            Format::Odi => match phase {
                _ if w >= 7 => -0.45,
                Phase::Death if w <= 5 => 0.3,
                Phase::Death => 0.0,
                Phase::Middle if w >= 4 => -0.3,
                _ => 0.0,
            },
        };
        if let Some(target) = spec.target {
            let balls_left = (spec.overs * 6).saturating_sub(self.legal).max(1);
            let need = target.saturating_sub(self.runs);
            let rrr = f64::from(need) * 6.0 / f64::from(balls_left);
            let par = match spec.format {
                Format::T20 => 8.4,
                Format::Odi => 5.6,
            };
            a += ((rrr / par - 1.0) * 1.1).clamp(-0.6, 1.5);
        }
        a
    }

    /// The next batter in: a retired batter coming back, or the next in the order.
    fn next_batter(&mut self, rng: &mut ChaCha8Rng) -> Option<usize> {
        let waiting = self.next < self.spec.order.len();
        let who = if !self.retired.is_empty() && (!waiting || rng.random::<f64>() < RETURN_EARLY) {
            self.retired.remove(0)
        } else if waiting {
            self.next += 1;
            self.spec.order[self.next - 1]
        } else {
            return None;
        };
        self.bats[who].status = Status::In;
        Some(who)
    }

    /// A fielder of the bowling side other than the bowler and the keeper.
    fn outfielder(&self, rng: &mut ChaCha8Rng, bowler: usize) -> usize {
        let side = self.spec.bowling;
        let keeper = side.keeper();
        let options: Vec<usize> = (0..side.players.len()).filter(|&i| i != bowler && i != keeper).collect();
        options.get(rng.random_range(0..options.len().max(1))).copied().unwrap_or(0)
    }

    /// Sample what happens on a delivery (before the chase and the
    /// dismissal's consequences are applied).
    fn sample(&self, rng: &mut ChaCha8Rng, ctx: &BallContext) -> Outcome {
        let mut o = Outcome { extras: Extras::default(), runs_batter: 0, all_run: false, crossings: 0, wicket: None };
        let shot_runs = |o: &mut Outcome, shot: Shot, rng: &mut ChaCha8Rng| match shot {
            Shot::Dot | Shot::Wicket => {}
            Shot::Runs(k) => {
                o.runs_batter = k;
                o.crossings = k;
            }
            Shot::Four => {
                o.runs_batter = 4;
                if rng.random::<f64>() < 0.008 {
                    o.all_run = true;
                    o.crossings = 4;
                }
            }
            Shot::Six => o.runs_batter = 6,
        };
        match model::sample_ball_kind(rng, ctx.phase, ctx.kind) {
            BallKind::Wide(w) => {
                o.extras.wides = w;
                o.crossings = if w == 5 { 0 } else { w - 1 };
                if w == 1 && ctx.kind == BowlingKind::Spin && !ctx.free_hit && rng.random::<f64>() < 0.012 {
                    o.wicket = Some(DismissalKind::Stumped);
                }
            }
            BallKind::NoBall => {
                o.extras.noballs = 1;
                // No dismissal off a no-ball here: a wicket becomes a dot ball.
                let shot = model::sample_shot(rng, &BallContext { free_hit: true, ..*ctx });
                shot_runs(&mut o, shot, rng);
            }
            BallKind::Byes(r) => {
                o.extras.byes = r;
                o.crossings = if r == 4 { 0 } else { r };
            }
            BallKind::LegByes(r) => {
                o.extras.legbyes = r;
                o.crossings = if r == 4 { 0 } else { r };
            }
            BallKind::Penalty(r) => {
                o.extras.penalty = 5;
                o.runs_batter = r;
                o.crossings = r;
            }
            BallKind::Fair => {
                let shot = model::sample_shot(rng, ctx);
                if shot == Shot::Wicket {
                    let how = model::sample_dismissal(rng, ctx.kind, ctx.phase, ctx.free_hit);
                    if how == DismissalKind::RunOut {
                        let completed = match rng.random::<f64>() {
                            x if x < 0.55 => 0,
                            x if x < 0.95 => 1,
                            _ => 2,
                        };
                        o.runs_batter = completed;
                        o.crossings = completed;
                    }
                    o.wicket = Some(how);
                } else {
                    shot_runs(&mut o, shot, rng);
                }
            }
        }
        o
    }

    /// Bowl one delivery: returns whether it was legal and, if the innings
    /// ended on it, why.
    fn delivery(&mut self, sim: &mut Sim, over: u32, ball: u32, bowler: usize) -> (bool, Option<InningsEndReason>) {
        let spec = self.spec;
        let bowl = &spec.bowling.players[bowler];
        let (kind, skill) = bowl.bowling.unwrap_or((BowlingKind::Pace, 0.7));
        let phase = Phase::of(spec.format, over, spec.super_over);
        let (striker, non_striker) = (self.striker, self.non_striker);
        let ctx = BallContext {
            format: spec.format,
            phase,
            batting: spec.batting.players[striker].batting * spec.form,
            bowling: skill,
            kind,
            faced: self.bats[striker].balls,
            aggression: self.aggression(phase),
            pitch: spec.pitch,
            free_hit: self.free_hit,
        };
        let mut o = self.sample(&mut sim.rng, &ctx);
        let total = o.runs_batter + o.extras.total();
        let reached = spec.target.is_some_and(|t| self.runs + total >= t);
        if reached {
            // The match was won before any wicket could fall.
            o.wicket = None;
        }
        let legal = o.extras.wides == 0 && o.extras.noballs == 0;
        self.free_hit = match (o.extras.noballs, o.extras.wides) {
            (n, _) if n > 0 => true,
            (_, w) if w > 0 => self.free_hit,
            _ => false,
        };

        // Score.
        let before = self.bats[striker].runs;
        self.runs += total;
        if legal {
            self.legal += 1;
        }
        if o.extras.wides == 0 {
            self.bats[striker].balls += 1;
        }
        self.bats[striker].runs += o.runs_batter;
        match o.runs_batter {
            4 if !o.all_run => self.fours += 1,
            6 => self.sixes += 1,
            _ => {}
        }
        if o.crossings % 2 == 1 {
            std::mem::swap(&mut self.striker, &mut self.non_striker);
        }

        // Dismissal.
        let mut wickets = Vec::new();
        let mut fielder_short = "";
        let mut keeper_catch = false;
        let mut out = striker;
        let mut all_out = false;
        if let Some(how) = o.wicket {
            let side = spec.bowling;
            let keeper = side.keeper();
            let mut fielders = Vec::new();
            // Run outs: either batter, at either end. Otherwise the striker,
            // and the new batter takes strike (caught: the 2022 law).
            let mut at_striker_end = true;
            match how {
                DismissalKind::Caught => {
                    let p_keeper = if kind == BowlingKind::Pace { 0.28 } else { 0.1 };
                    keeper_catch = sim.rng.random::<f64>() < p_keeper;
                    fielders.push(if keeper_catch { keeper } else { self.outfielder(&mut sim.rng, bowler) });
                }
                DismissalKind::Stumped => fielders.push(keeper),
                DismissalKind::RunOut => {
                    if sim.rng.random::<f64>() >= 0.55 {
                        out = non_striker;
                    }
                    at_striker_end = sim.rng.random::<f64>() < 0.5;
                    fielders.push(self.outfielder(&mut sim.rng, bowler));
                    if sim.rng.random::<f64>() < 0.4 {
                        fielders.push(if sim.rng.random::<f64>() < 0.6 { keeper } else { bowler });
                    }
                }
                _ => {}
            }
            fielder_short = fielders.first().map_or("", |&f| side.players[f].short_name());
            wickets.push(Wicket {
                kind: how,
                player_out: self.name(out).to_string(),
                fielders: fielders
                    .iter()
                    .map(|&f| Fielder { name: side.players[f].name.clone(), substitute: false })
                    .collect(),
            });
            let survivor = if out == striker { non_striker } else { striker };
            self.bats[out].status = Status::Out;
            self.dismissed.push(out);
            self.wickets += 1;
            let incoming = if self.wickets >= spec.max_wickets { None } else { self.next_batter(&mut sim.rng) };
            match incoming {
                Some(new) if at_striker_end => (self.striker, self.non_striker) = (new, survivor),
                Some(new) => (self.striker, self.non_striker) = (survivor, new),
                None => all_out = true,
            }
        }

        // Retired hurt: the batter who faced walks off, the next one comes in at his end.
        let last_ball = self.legal >= spec.overs * 6;
        let mut retired = false;
        if wickets.is_empty()
            && !reached
            && !last_ball
            && !spec.super_over
            && self.next < spec.order.len()
            && sim.rng.random::<f64>() < RETIRE_HURT
        {
            retired = true;
            self.bats[striker].status = Status::Retired;
            self.retired.push(striker);
            let new = spec.order[self.next];
            self.next += 1;
            self.bats[new].status = Status::In;
            if self.striker == striker {
                self.striker = new;
            } else {
                self.non_striker = new;
            }
            wickets.push(Wicket {
                kind: DismissalKind::RetiredHurt,
                player_out: self.name(striker).to_string(),
                fielders: vec![],
            });
        }

        let text = self.commentary(sim, &o, &ctx, bowler, striker, out, fielder_short, keeper_catch);
        let mut text = text;
        if let Some(m) =
            commentary::milestone(self.short(striker), before, self.bats[striker].runs, self.bats[striker].balls)
        {
            text.push_str(" — ");
            text.push_str(&m);
        }
        if retired {
            text.push_str(" — ");
            let names = Names { bowler: bowl.short_name(), batter: self.short(striker) };
            text.push_str(&sim.talk.dismissal(names, DismissalKind::RetiredHurt, self.short(striker), "", false, kind));
        }
        if reached {
            text.push_str(&format!(" — and that's the game, {} get home!", spec.batting.name));
        }
        sim.events.push(Event::Delivery(Delivery {
            over,
            ball,
            batter: self.name(striker).to_string(),
            non_striker: self.name(non_striker).to_string(),
            bowler: bowl.name.clone(),
            runs_batter: o.runs_batter,
            extras: o.extras,
            non_boundary: o.all_run,
            wickets,
            commentary: Some(text),
        }));
        let end = if reached {
            Some(InningsEndReason::TargetReached)
        } else if all_out {
            Some(InningsEndReason::AllOut)
        } else {
            None
        };
        (legal, end)
    }

    /// The commentary line of a delivery.
    #[allow(clippy::too_many_arguments)]
    fn commentary(
        &self,
        sim: &mut Sim,
        o: &Outcome,
        ctx: &BallContext,
        bowler: usize,
        striker: usize,
        out: usize,
        fielder: &str,
        keeper_catch: bool,
    ) -> String {
        let talk = &mut sim.talk;
        let bowl = &self.spec.bowling.players[bowler];
        let names = Names { bowler: bowl.short_name(), batter: self.short(striker) };
        let mut text = commentary::prefix(names);
        let e = o.extras;
        let body = if let Some(how) = o.wicket {
            let mut line = talk.dismissal(names, how, self.short(out), fielder, keeper_catch, ctx.kind);
            if e.wides > 0 {
                line.push_str(", off a wide");
            }
            match (how, o.runs_batter) {
                (DismissalKind::RunOut, 1) => line.push_str(" going for the second, 1 run completed"),
                (DismissalKind::RunOut, n) if n > 1 => {
                    line.push_str(&format!(" going for a risky third, {n} runs completed"))
                }
                _ => {}
            }
            let card = commentary::scorecard(
                how,
                self.short(out),
                fielder,
                bowl.short_name(),
                self.bats[out].runs,
                self.bats[out].balls,
            );
            format!("{line} — {card}")
        } else if e.wides > 0 {
            talk.wide(names, e.wides)
        } else if e.noballs > 0 {
            let shot = talk.shot(names, o.runs_batter, o.all_run, ctx.phase, ctx.kind);
            talk.no_ball(names, &shot)
        } else if e.byes > 0 {
            talk.byes(names, e.byes, false)
        } else if e.legbyes > 0 {
            talk.byes(names, e.legbyes, true)
        } else if e.penalty > 0 {
            talk.penalty(o.runs_batter)
        } else {
            talk.shot(names, o.runs_batter, o.all_run, ctx.phase, ctx.kind)
        };
        if ctx.free_hit {
            text.push_str("free hit, ");
        }
        text.push_str(&body);
        text
    }
}
