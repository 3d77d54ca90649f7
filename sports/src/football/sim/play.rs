//! The match engine: minute by minute, each side's chances to shoot, win a
//! corner, foul, be caught offside or win a penalty, at rates from top
//! European leagues (per side and match: ~12.5 shots, ~11 fouls, ~5
//! corners, ~2 offsides, ~2 yellow cards, ~1.4 goals), scaled by the
//! sides' strengths, home advantage, men on the pitch and the score.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::teams::{STARTERS, Team};
use crate::football::event::{CardColor, Event, GoalKind, MatchInfo, Period, Position, ShotOutcome};
use crate::sim::draw::{chance, gauss, weighted};

/// One simulated match in progress.
pub(super) struct Play {
    pub rng: ChaCha8Rng,
    pub teams: [Team; 2],
    pub knockout: bool,
    pub events: Vec<Event>,
    pub score: [u32; 2],
    pub clock: (u32, u32),
    /// Per side and squad index: on the pitch now / ever played / booked / sent off.
    pub on: [Vec<bool>; 2],
    pub played: [Vec<bool>; 2],
    pub booked: [Vec<bool>; 2],
    pub subs: [u32; 2],
    /// Minutes at which each side makes a substitution.
    pub sub_plan: [Vec<u32>; 2],
    /// Home possession share of each 15-minute block so far.
    pub blocks: Vec<f64>,
    /// Stoppages this period (goals, cards, substitutions).
    pub stoppages: u32,
}

fn per_min(per_match: f64) -> f64 {
    per_match / 90.0
}

impl Play {
    pub fn new(rng: ChaCha8Rng, teams: [Team; 2], knockout: bool) -> Self {
        let squad = |t: &Team| t.squad.len();
        let flags = |t: &Team, v: bool| (0..squad(t)).map(|i| v && i < STARTERS).collect::<Vec<bool>>();
        Play {
            rng,
            on: [flags(&teams[0], true), flags(&teams[1], true)],
            played: [flags(&teams[0], true), flags(&teams[1], true)],
            booked: [flags(&teams[0], false), flags(&teams[1], false)],
            teams,
            knockout,
            events: Vec::new(),
            score: [0, 0],
            clock: (0, 0),
            subs: [0, 0],
            sub_plan: [Vec::new(), Vec::new()],
            blocks: Vec::new(),
            stoppages: 0,
        }
    }

    pub(super) fn name(&self, s: usize, k: usize) -> String {
        self.teams[s].squad[k].0.name.clone()
    }

    pub(super) fn team(&self, s: usize) -> String {
        self.teams[s].name.clone()
    }

    /// A player on the pitch for side `s`, drawn by position weight × form.
    fn pick(&mut self, s: usize, weight: fn(Position) -> f64, except: Option<usize>) -> Option<usize> {
        let w: Vec<f64> = (0..self.teams[s].squad.len())
            .map(|k| {
                let (p, form) = &self.teams[s].squad[k];
                if self.on[s][k] && Some(k) != except { weight(p.position) * form } else { 0.0 }
            })
            .collect();
        (w.iter().sum::<f64>() > 0.0).then(|| weighted(&mut self.rng, &w))
    }

    fn men(&self, s: usize) -> f64 {
        self.on[s].iter().filter(|x| **x).count() as f64 / 11.0
    }

    /// Attacking strength of side `s` now (1.0: an average side at home to an average side).
    fn strength(&self, s: usize) -> f64 {
        let (me, them) = (&self.teams[s], &self.teams[1 - s]);
        let mut x = me.attack / them.defence * self.men(s).powf(1.5) / self.men(1 - s).powf(0.7);
        x *= if s == 0 { 1.1 } else { 0.92 };
        let lead = i64::from(self.score[s]) - i64::from(self.score[1 - s]);
        if self.clock.0 > 60 {
            x *= match lead {
                l if l < 0 => 1.25,
                l if l > 0 => 0.9,
                _ => 1.0,
            };
        }
        x
    }

    pub fn run(mut self) -> Vec<Event> {
        self.events.push(Event::MatchStart(MatchInfo {
            teams: vec![self.teams[0].sheet(), self.teams[1].sheet()],
            knockout: self.knockout,
            half_minutes: 45,
            extra_minutes: 15,
            max_subs: 5,
            title: Some(format!("{} v {}", self.teams[0].name, self.teams[1].name)),
            venue: Some(self.teams[0].venue.clone()),
            date: None,
        }));
        self.period(Period::FirstHalf, 0, 45);
        self.plan_subs(false);
        self.period(Period::SecondHalf, 45, 90);
        if self.knockout && self.score[0] == self.score[1] {
            self.plan_subs(true);
            self.period(Period::ExtraTimeFirst, 90, 105);
            self.period(Period::ExtraTimeSecond, 105, 120);
            if self.score[0] == self.score[1] {
                self.shootout();
            }
        }
        self.events
    }

    fn period(&mut self, period: Period, from: u32, to: u32) {
        self.events.push(Event::PeriodStart { period });
        self.stoppages = 0;
        for m in from + 1..=to {
            self.minute(m, 0);
        }
        let base = match period {
            Period::FirstHalf => 1.0,
            Period::SecondHalf => 3.0,
            _ => 0.0,
        };
        let noise = self.rng.random::<f64>() * 2.0;
        let board = (base + f64::from(self.stoppages) * 0.25 + noise).floor().min(10.0) as u32;
        if board > 0 {
            self.events.push(Event::StoppageTime { minutes: board });
        }
        let end = board + u32::from(chance(&mut self.rng, 0.25));
        for a in 1..=end {
            self.minute(to, a);
        }
        self.events.push(Event::PeriodEnd { period, minute: to, added: end });
    }

    fn minute(&mut self, minute: u32, added: u32) {
        self.clock = (minute, added);
        let first = usize::from(chance(&mut self.rng, 0.5));
        for s in [first, 1 - first] {
            if added == 0 && self.sub_plan[s].contains(&minute) {
                let times = self.sub_plan[s].iter().filter(|m| **m == minute).count();
                for _ in 0..times {
                    self.substitute(s);
                }
            }
            let x = self.strength(s);
            if chance(&mut self.rng, per_min(10.5) * x) {
                self.shot(s, x);
            }
            if chance(&mut self.rng, per_min(4.6) * x.sqrt()) {
                let (team, (minute, added)) = (self.team(s), self.clock);
                self.events.push(Event::Corner { team, minute, added });
            }
            if chance(&mut self.rng, per_min(11.0)) {
                self.foul(s, 0.15, 0.003);
            }
            if chance(&mut self.rng, per_min(2.0))
                && let Some(k) =
                    self.pick(s, |p| if p == Position::Fw { 1.0 } else { 0.25 * f64::from(p != Position::Gk) }, None)
            {
                let (team, player, (minute, added)) = (self.team(s), self.name(s, k), self.clock);
                self.events.push(Event::Offside { team, player, minute, added });
            }
            if chance(&mut self.rng, per_min(0.13) * x.sqrt()) {
                self.penalty(s);
            }
        }
        if added == 0 && minute.is_multiple_of(15) {
            self.possession(minute);
        }
    }

    fn shot(&mut self, s: usize, x: f64) {
        let Some(k) = self.pick(s, shooter_weight, None) else { return };
        let (minute, added) = self.clock;
        if chance(&mut self.rng, 0.092 * x.powf(0.4)) {
            let roll = self.rng.random::<f64>();
            if roll < 0.04
                && let Some(og) = self.pick(
                    1 - s,
                    |p| match p {
                        Position::Df => 1.0,
                        Position::Mf => 0.4,
                        Position::Gk => 0.1,
                        Position::Fw => 0.05,
                    },
                    None,
                )
            {
                self.goal(s, self.name(1 - s, og), None, GoalKind::OwnGoal);
                return;
            }
            let kind = match roll {
                r if r < 0.21 => GoalKind::Header,
                r if r < 0.24 => GoalKind::FreeKick,
                _ => GoalKind::OpenPlay,
            };
            let assist = (kind != GoalKind::FreeKick && chance(&mut self.rng, 0.8))
                .then(|| self.pick(s, assist_weight, Some(k)))
                .flatten()
                .map(|a| self.name(s, a));
            self.goal(s, self.name(s, k), assist, kind);
            return;
        }
        let outcome = [ShotOutcome::Saved, ShotOutcome::OffTarget, ShotOutcome::Blocked, ShotOutcome::Woodwork]
            [weighted(&mut self.rng, &[0.30, 0.42, 0.25, 0.03])];
        let (team, player) = (self.team(s), self.name(s, k));
        self.events.push(Event::Shot { team, player, outcome, penalty: false, minute, added });
    }

    fn goal(&mut self, s: usize, scorer: String, assist: Option<String>, kind: GoalKind) {
        self.score[s] += 1;
        self.stoppages += 1;
        let (team, (minute, added)) = (self.team(s), self.clock);
        self.events.push(Event::Goal { team, scorer, assist, kind, minute, added });
    }

    /// A foul by side `s`; returns the fouler.
    fn foul(&mut self, s: usize, p_yellow: f64, p_red: f64) -> Option<usize> {
        let k = self.pick(
            s,
            |p| match p {
                Position::Df => 1.0,
                Position::Mf => 0.9,
                Position::Fw => 0.6,
                Position::Gk => 0.05,
            },
            None,
        )?;
        let (team, player, (minute, added)) = (self.team(s), self.name(s, k), self.clock);
        self.events.push(Event::Foul { team: team.clone(), player: player.clone(), minute, added });
        let booked = self.booked[s][k];
        let card = if chance(&mut self.rng, p_red) {
            Some(CardColor::Red)
        } else if chance(&mut self.rng, if booked { p_yellow * 0.5 } else { p_yellow }) {
            Some(CardColor::Yellow)
        } else {
            None
        };
        if let Some(card) = card {
            self.stoppages += 1;
            self.events.push(Event::Card { team, player, card, minute, added });
            if card == CardColor::Red || booked {
                self.on[s][k] = false;
            }
            self.booked[s][k] = true;
        }
        Some(k)
    }

    fn penalty(&mut self, s: usize) {
        self.foul(1 - s, 0.4, 0.05);
        let Some(k) = self.pick(s, |p| if p == Position::Fw { 1.0 } else { 0.2 }, None) else { return };
        if chance(&mut self.rng, 0.77) {
            self.goal(s, self.name(s, k), None, GoalKind::Penalty);
        } else {
            let outcome = [ShotOutcome::Saved, ShotOutcome::OffTarget, ShotOutcome::Woodwork]
                [weighted(&mut self.rng, &[0.6, 0.3, 0.1])];
            let (team, player, (minute, added)) = (self.team(s), self.name(s, k), self.clock);
            self.events.push(Event::Shot { team, player, outcome, penalty: true, minute, added });
        }
    }

    fn possession(&mut self, minute: u32) {
        let (a, b) = (&self.teams[0], &self.teams[1]);
        let base = 52.0 + 12.0 * (a.attack * a.defence - b.attack * b.defence);
        let trailing = match self.score[0].cmp(&self.score[1]) {
            std::cmp::Ordering::Less => 3.0,
            std::cmp::Ordering::Greater => -3.0,
            std::cmp::Ordering::Equal => 0.0,
        };
        let block = (base + trailing + gauss(&mut self.rng) * 4.0).clamp(25.0, 75.0);
        self.blocks.push(block);
        let home = (self.blocks.iter().sum::<f64>() / self.blocks.len() as f64).round() as u32;
        self.events.push(Event::Possession { home, minute, added: 0 });
    }
}

fn shooter_weight(p: Position) -> f64 {
    match p {
        Position::Fw => 1.0,
        Position::Mf => 0.45,
        Position::Df => 0.15,
        Position::Gk => 0.005,
    }
}

fn assist_weight(p: Position) -> f64 {
    match p {
        Position::Mf => 1.0,
        Position::Fw => 0.7,
        Position::Df => 0.4,
        Position::Gk => 0.02,
    }
}
