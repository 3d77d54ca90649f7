//! One line of commentary per delivery, from templates chosen with the
//! commentary's own random stream (so wording never changes the cricket).
//!
//! Templates use `{bat}` (striker), `{bowl}` (bowler), `{f}` (fielder) and
//! `{pos}` (fielding position) placeholders.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::model::Phase;
use super::squads::BowlingKind;
use crate::cricket::DismissalKind;

/// The commentator: its own random stream plus a short memory of recent
/// phrases, so the same line does not come up twice in a few balls.
#[derive(Debug, Clone)]
pub(crate) struct Talk {
    rng: ChaCha8Rng,
    recent: VecDeque<&'static str>,
}

/// How many recent phrases the commentator avoids repeating.
const MEMORY: usize = 10;

impl Talk {
    pub(crate) fn new(rng: ChaCha8Rng) -> Talk {
        Talk { rng, recent: VecDeque::with_capacity(MEMORY) }
    }

    /// A phrase from `options`: a random one not used lately, else the one
    /// used longest ago.
    fn pick(&mut self, options: &[&'static str]) -> &'static str {
        let fresh: Vec<&'static str> = options.iter().copied().filter(|o| !self.recent.contains(o)).collect();
        let choice = if fresh.is_empty() {
            options.iter().copied().min_by_key(|o| self.recent.iter().rposition(|r| r == o)).unwrap_or("")
        } else {
            fresh[self.rng.random_range(0..fresh.len())]
        };
        if self.recent.len() == MEMORY {
            self.recent.pop_front();
        }
        self.recent.push_back(choice);
        choice
    }

    /// A phrase from the kind-specific list half the time, else from the general one.
    fn pick_for(
        &mut self,
        kind: BowlingKind,
        general: &[&'static str],
        pace: &[&'static str],
        spin: &[&'static str],
    ) -> &'static str {
        let special = if kind == BowlingKind::Spin { spin } else { pace };
        if self.rng.random::<f64>() < 0.5 { self.pick(special) } else { self.pick(general) }
    }
}

const DOT: &[&str] = &[
    "no run",
    "no run, defended back down the pitch",
    "no run, pushed straight to cover",
    "dot ball, solid forward defence",
    "no run, tucked to short midwicket",
    "no run, {bat} can't beat the ring",
    "dot ball, good length and {bat} respects it",
    "no run, straight to the fielder at point",
];
const DOT_PACE: &[&str] = &[
    "no run, beaten outside off stump",
    "no run, left alone outside off",
    "no run, played and missed",
    "no run, a sharp bouncer and {bat} ducks under it",
    "no run, nips back and thuds into the pad, going down leg",
];
const DOT_DEATH: &[&str] = &[
    "no run, yorker dug out",
    "no run, slower ball and {bat} is through the shot too early",
    "dot ball, wide yorker and {bat} swings and misses",
    "no run, full toss straight to the fielder",
];
const DOT_SPIN: &[&str] = &[
    "no run, turns past the outside edge",
    "no run, flighted and defended",
    "no run, skids on and {bat} gets an inside edge onto the pad",
    "no run, the arm ball, blocked",
];
const ONE: &[&str] = &[
    "1 run, pushed to long-on",
    "1 run, worked off the pads to square leg",
    "single, nudged into the leg side",
    "1 run, driven to deep cover",
    "1 run, tapped into the off side and they scamper through",
    "1 run, clipped to deep midwicket",
    "1 run, punched off the back foot to sweeper cover",
];
const ONE_PACE: &[&str] = &[
    "1 run, dabbed down to third man",
    "1 run, opens the face and steers it to backward point",
    "1 run, fended off the hip to fine leg",
];
const ONE_SPIN: &[&str] = &[
    "1 run, swept to deep backward square",
    "1 run, worked against the turn to midwicket",
    "1 run, down the track and pushed to long-off",
];
const TWO: &[&str] = &[
    "2 runs, driven into the gap at deep cover",
    "2 runs, good running between the wickets",
    "2 runs, flicked behind square and they come back for the second",
    "2 runs, pulled to deep midwicket",
    "2 runs, cut hard but the sweeper cuts it off",
];
const THREE: &[&str] = &[
    "3 runs, chased down just inside the rope",
    "3 runs, placed into the gap and some superb running",
    "3 runs, the outfield is slow and the ball pulls up short of the rope",
];
const FOUR: &[&str] = &[
    "FOUR! driven through the covers",
    "FOUR! lofted over mid-off",
    "FOUR! straight down the ground, past the bowler",
    "FOUR! a glorious cover drive from {bat}",
    "FOUR! flicked off the pads, fine",
    "FOUR! pierces the gap at extra cover",
];
const FOUR_PACE: &[&str] = &[
    "FOUR! pulled hard to the square leg boundary",
    "FOUR! cut past point",
    "FOUR! edged, and it flies past the slip fielder",
    "FOUR! short and wide, and {bat} carves it away",
    "FOUR! uses the pace and ramps it over the keeper",
];
const FOUR_SPIN: &[&str] = &[
    "FOUR! swept fine, no chance for the fielder",
    "FOUR! reverse-swept past short third man",
    "FOUR! dances down and lofts it inside-out over cover",
    "FOUR! too short, {bat} rocks back and cuts hard",
];
const ALL_RUN_FOUR: &[&str] = &[
    "4 runs, all run! misfield in the deep and they keep going",
    "4 runs, all run, the ball stops just short of the rope",
];
const SIX: &[&str] = &[
    "SIX! launched over long-on",
    "SIX! straight down the ground, that's huge",
    "SIX! over extra cover, what a shot",
    "SIX! {bat} clears the front leg and sends it into orbit",
];
const SIX_PACE: &[&str] = &[
    "SIX! picked up over fine leg",
    "SIX! a short ball, pulled over the square leg boundary",
    "SIX! upper-cut over third man",
    "SIX! reads the slower ball and launches it over long-off",
];
const SIX_SPIN: &[&str] = &[
    "SIX! slog-swept into the stands at deep midwicket",
    "SIX! dances down the track and hits it over the bowler's head",
    "SIX! down on one knee and swept over the rope",
];
const WIDE: &[&str] = &[
    "wide, down the leg side",
    "wide, too far outside off stump",
    "wide, the bouncer sails over {bat}'s head",
    "wide, slips out of {bowl}'s hand",
    "wide, the slower ball drifts past the tramline",
];
const WIDE_RUN: &[&str] =
    &["wide, down the leg side and they run", "wide, the keeper fumbles and they scamper through"];
const WIDE_FOUR: &[&str] = &[
    "wide, sprayed down leg and it runs away for four more",
    "5 wides, beats the keeper's dive and races to the fence",
];
const NO_BALL: &[&str] = &[
    "no-ball, {bowl} has overstepped",
    "no-ball, a high full toss above the waist",
    "no-ball, front foot no-ball called by the umpire",
];
const BYES: &[&str] = &["beats the keeper and they run", "the keeper can't gather it"];
const BYES_FOUR: &[&str] = &["4 byes, through the keeper to the fence", "4 byes, swings away past the keeper's gloves"];
const LEG_BYES: &[&str] = &["off the pads and they run", "struck on the thigh pad", "glanced off the hip"];
const LEG_BYES_FOUR: &[&str] =
    &["4 leg byes, flicks the pad and runs fine", "4 leg byes, deflected off the pads to fine leg"];
const PENALTY: &[&str] = &[
    "and 5 penalty runs! the ball hits the helmet parked behind the keeper",
    "and 5 penalty runs for an illegal fielding attempt",
];

const CLOSE_PACE: &[&str] = &["at slip", "at second slip", "at gully", "at point", "at short cover"];
const CLOSE_SPIN: &[&str] = &["at slip", "at short leg", "at silly point", "at leg slip", "at short midwicket"];
const DEEP_PACE: &[&str] = &[
    "at third man",
    "at fine leg",
    "at deep square leg",
    "at long-on",
    "at deep point",
    "at deep midwicket",
    "at mid-off",
    "at mid-on",
    "at deep cover",
];
const DEEP_SPIN: &[&str] = &[
    "at long-on",
    "at long-off",
    "at deep midwicket",
    "at cow corner",
    "at deep square leg",
    "at deep cover",
    "at mid-on",
];
const CAUGHT_CLOSE: &[&str] = &[
    "OUT! a thick edge, snapped up by {f} {pos}",
    "OUT! edged, and {f} takes it low down {pos}",
    "OUT! caught by {f} {pos}, a sharp chance well held",
    "OUT! bat-pad, and {f} clings on {pos}",
];
const CAUGHT_DEEP: &[&str] = &[
    "OUT! caught by {f} {pos}",
    "OUT! {bat} holes out, {f} takes it {pos}",
    "OUT! top edge, and {f} settles under it {pos}",
    "OUT! mistimed, straight to {f} {pos}",
    "OUT! {f} takes a stunner {pos}",
];
const CAUGHT_KEEPER: &[&str] = &[
    "OUT! edged and taken by {f} behind the stumps",
    "OUT! feathered through to {f}",
    "OUT! gloved down the leg side, {f} takes a tumbling catch",
    "OUT! a faint nick and {f} makes no mistake",
];
const BOWLED: &[&str] = &[
    "OUT! bowled! through the gate",
    "OUT! clean bowled, the off stump is cartwheeling",
    "OUT! bowled him! {bat} plays all around a full one",
    "OUT! dragged on, {bat} chops it onto the stumps",
];
const BOWLED_PACE: &[&str] = &[
    "OUT! bowled, the yorker crashes into the base of middle stump",
    "OUT! bowled, nips back in and clips the top of off",
];
const BOWLED_SPIN: &[&str] = &[
    "OUT! bowled, turns sharply between bat and pad",
    "OUT! bowled, the arm ball skids through and hits middle",
    "OUT! bowled, {bat} goes for the sweep and misses",
];
const LBW: &[&str] = &[
    "OUT! lbw, trapped in front",
    "OUT! plumb lbw, that was crashing into middle",
    "OUT! lbw, {bat} reviews but it's umpire's call and he has to go",
    "OUT! lbw, struck on the back leg, the finger goes up",
];
const RUN_OUT: &[&str] = &[
    "OUT! run out, {f} with a direct hit",
    "OUT! run out, a mix-up and {f} whips the bails off",
    "OUT! run out, {f}'s throw beats the dive",
    "OUT! run out, sent back too late, {f} does the rest",
];
const STUMPED: &[&str] = &[
    "OUT! stumped by {f}, {bat} was down the track and missed it",
    "OUT! stumped, beaten in the flight and {f} is quick as lightning",
    "OUT! stumped, the back foot drags out and {f} whips the bails off",
];
const CAUGHT_AND_BOWLED: &[&str] = &[
    "OUT! caught and bowled, {bowl} takes a sharp return catch",
    "OUT! caught and bowled, chipped straight back to {bowl}",
];
const HIT_WICKET: &[&str] = &[
    "OUT! hit wicket, {bat} treads on the stumps going back",
    "OUT! hit wicket, the bat clips the bails on the follow-through",
];
const RETIRED_HURT: &[&str] =
    &["{bat} is struck on the hand and retires hurt", "{bat} pulls up with a hamstring strain and retires hurt"];

/// Names on one delivery, for the `{...}` placeholders.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Names<'a> {
    pub bowler: &'a str,
    pub batter: &'a str,
}

fn fill(template: &str, names: Names<'_>, fielder: &str, pos: &str) -> String {
    template
        .replace("{bat}", names.batter)
        .replace("{bowl}", names.bowler)
        .replace("{f}", fielder)
        .replace("{pos}", pos)
}

/// The opening of every line: "Kulkarni to Desai, ".
pub(crate) fn prefix(names: Names<'_>) -> String {
    format!("{} to {}, ", names.bowler, names.batter)
}

impl Talk {
    /// A shot off the bat: `runs` 0..6, `all_run` for a four run between the wickets.
    pub(crate) fn shot(
        &mut self,
        names: Names<'_>,
        runs: u32,
        all_run: bool,
        phase: Phase,
        kind: BowlingKind,
    ) -> String {
        let line = match runs {
            0 if phase == Phase::Death && kind == BowlingKind::Pace && self.rng.random::<f64>() < 0.4 => {
                self.pick(DOT_DEATH)
            }
            0 => self.pick_for(kind, DOT, DOT_PACE, DOT_SPIN),
            1 => self.pick_for(kind, ONE, ONE_PACE, ONE_SPIN),
            2 => self.pick(TWO),
            3 => self.pick(THREE),
            4 if all_run => self.pick(ALL_RUN_FOUR),
            4 => self.pick_for(kind, FOUR, FOUR_PACE, FOUR_SPIN),
            _ => self.pick_for(kind, SIX, SIX_PACE, SIX_SPIN),
        };
        fill(line, names, "", "")
    }

    /// A wide of `runs` total wide runs.
    pub(crate) fn wide(&mut self, names: Names<'_>, runs: u32) -> String {
        match runs {
            1 => fill(self.pick(WIDE), names, "", ""),
            5 => fill(self.pick(WIDE_FOUR), names, "", ""),
            n => format!("{}, {n} wides", fill(self.pick(WIDE_RUN), names, "", "")),
        }
    }

    /// A no-ball; `shot_text` describes what the batter did with it.
    pub(crate) fn no_ball(&mut self, names: Names<'_>, shot_text: &str) -> String {
        let head = fill(self.pick(NO_BALL), names, "", "");
        format!("{head}; {shot_text}, free hit to follow")
    }

    /// Byes or leg-byes.
    pub(crate) fn byes(&mut self, names: Names<'_>, runs: u32, leg: bool) -> String {
        match (runs, leg) {
            (4, false) => self.pick(BYES_FOUR).to_string(),
            (4, true) => self.pick(LEG_BYES_FOUR).to_string(),
            (n, leg) => {
                let unit = match (n, leg) {
                    (1, false) => "1 bye".to_string(),
                    (1, true) => "1 leg bye".to_string(),
                    (n, false) => format!("{n} byes"),
                    (n, true) => format!("{n} leg byes"),
                };
                let how = fill(self.pick(if leg { LEG_BYES } else { BYES }), names, "", "");
                format!("{unit}, {how}")
            }
        }
    }

    /// Runs run plus five penalty runs.
    pub(crate) fn penalty(&mut self, runs: u32) -> String {
        let head = match runs {
            0 => "no run".to_string(),
            1 => "1 run".to_string(),
            n => format!("{n} runs"),
        };
        format!("{head}, {}", self.pick(PENALTY))
    }

    /// The dismissal itself: "OUT! caught by Smith at long-on". `kind` is
    /// the bowler's, for where catches go.
    pub(crate) fn dismissal(
        &mut self,
        names: Names<'_>,
        how: DismissalKind,
        out: &str,
        fielder: &str,
        keeper_catch: bool,
        kind: BowlingKind,
    ) -> String {
        let close = match kind {
            BowlingKind::Pace => self.rng.random::<f64>() < 0.35,
            BowlingKind::Spin => self.rng.random::<f64>() < 0.25,
        };
        let (options, pos) = match how {
            DismissalKind::Caught if keeper_catch => (CAUGHT_KEEPER, ""),
            DismissalKind::Caught if close => {
                (CAUGHT_CLOSE, self.pick(if kind == BowlingKind::Spin { CLOSE_SPIN } else { CLOSE_PACE }))
            }
            DismissalKind::Caught => {
                (CAUGHT_DEEP, self.pick(if kind == BowlingKind::Spin { DEEP_SPIN } else { DEEP_PACE }))
            }
            DismissalKind::Bowled => {
                let line = self.pick_for(kind, BOWLED, BOWLED_PACE, BOWLED_SPIN);
                return fill(line, Names { batter: out, ..names }, fielder, "");
            }
            DismissalKind::Lbw => (LBW, ""),
            DismissalKind::Stumped => (STUMPED, ""),
            DismissalKind::CaughtAndBowled => (CAUGHT_AND_BOWLED, ""),
            DismissalKind::HitWicket => (HIT_WICKET, ""),
            DismissalKind::RetiredHurt => (RETIRED_HURT, ""),
            _ => (RUN_OUT, ""),
        };
        // Run outs may catch the non-striker: name the batter who is out.
        let names = Names { batter: out, ..names };
        fill(self.pick(options), names, fielder, pos)
    }
}

/// Scorecard line of a dismissed batter: "Desai c Smith b Kulkarni 45 (32)".
pub(crate) fn scorecard(how: DismissalKind, out: &str, fielder: &str, bowler: &str, runs: u32, balls: u32) -> String {
    let what = match how {
        DismissalKind::Caught if fielder.is_empty() => format!("c ? b {bowler}"),
        DismissalKind::Caught => format!("c {fielder} b {bowler}"),
        DismissalKind::CaughtAndBowled => format!("c & b {bowler}"),
        DismissalKind::Bowled => format!("b {bowler}"),
        DismissalKind::Lbw => format!("lbw b {bowler}"),
        DismissalKind::Stumped => format!("st {fielder} b {bowler}"),
        DismissalKind::HitWicket => format!("hit wicket b {bowler}"),
        DismissalKind::RunOut => format!("run out ({fielder})"),
        DismissalKind::RetiredHurt => "retired hurt".to_string(),
        _ => "out".to_string(),
    };
    format!("{out} {what} {runs} ({balls})")
}

/// A milestone reached on this delivery, if any: "FIFTY for Desai, off 32 balls".
pub(crate) fn milestone(batter: &str, before: u32, after: u32, balls: u32) -> Option<String> {
    [(100, "HUNDRED"), (50, "FIFTY")]
        .iter()
        .find(|(m, _)| before < *m && after >= *m)
        .map(|(_, what)| format!("{what} for {batter}, off {balls} balls"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;

    use super::*;

    #[test]
    fn templates_fill_every_placeholder_and_vary() {
        let mut talk = Talk::new(ChaCha8Rng::seed_from_u64(3));
        let names = Names { bowler: "Rashid", batter: "Warner" };
        let mut lines = Vec::new();
        for _ in 0..200 {
            for kind in [BowlingKind::Pace, BowlingKind::Spin] {
                for runs in [0, 1, 2, 3, 4, 6] {
                    lines.push(talk.shot(names, runs, false, Phase::Death, kind));
                }
            }
            lines.push(talk.wide(names, 1));
            lines.push(talk.wide(names, 2));
            lines.push(talk.wide(names, 5));
            lines.push(talk.byes(names, 1, true));
            lines.push(talk.byes(names, 4, false));
            lines.push(talk.penalty(1));
            for how in
                [DismissalKind::Caught, DismissalKind::RunOut, DismissalKind::Stumped, DismissalKind::CaughtAndBowled]
            {
                lines.push(talk.dismissal(names, how, "Warner", "Smith", false, BowlingKind::Pace));
            }
        }
        for l in &lines {
            assert!(!l.contains('{') && !l.contains('}'), "unfilled: {l}");
        }
        let distinct: HashSet<_> = lines.iter().collect();
        assert!(distinct.len() > 80, "commentary is varied: {} distinct lines", distinct.len());
        assert!(lines.iter().any(|l| l.contains("caught by Smith at ")));
        assert_eq!(
            scorecard(DismissalKind::Caught, "Warner", "Smith", "Rashid", 45, 32),
            "Warner c Smith b Rashid 45 (32)"
        );
        assert_eq!(milestone("Warner", 48, 52, 30).as_deref(), Some("FIFTY for Warner, off 30 balls"));
        assert_eq!(milestone("Warner", 99, 103, 60).as_deref(), Some("HUNDRED for Warner, off 60 balls"));
        assert_eq!(milestone("Warner", 52, 53, 31), None);
    }

    #[test]
    fn sweeps_are_for_spinners_and_phrases_do_not_repeat_at_once() {
        let mut talk = Talk::new(ChaCha8Rng::seed_from_u64(9));
        let names = Names { bowler: "Starc", batter: "Root" };
        let mut last = String::new();
        for _ in 0..500 {
            let l = talk.shot(names, 4, false, Phase::Middle, BowlingKind::Pace);
            assert!(!l.contains("swept"), "{l}");
            assert_ne!(l, last, "same phrase twice in a row");
            last = l;
            let spin = talk.dismissal(names, DismissalKind::Bowled, "Root", "", false, BowlingKind::Spin);
            assert!(!spin.contains("yorker") && spin.starts_with("OUT!"), "{spin}");
            let pace = talk.dismissal(names, DismissalKind::Bowled, "Root", "", false, BowlingKind::Pace);
            assert!(!pace.contains("sweep") && !pace.contains("turns"), "{pace}");
        }
    }
}
