//! The IVR menu as a sans-IO state machine: it hears prompt completions, digits and timeouts,
//! and answers with what to play and, finally, which queue the caller chose.
//!
//! ```text
//!   start ──▶ Playing(greeting, menu) ──done──▶ WaitingDigit ──digit ok──▶ Routed(queue)
//!               │  ▲                                  │
//!               │  └──── wrong digit / timeout ◀──────┘   (menu played < max_attempts)
//!               └─ digit during a prompt: barge-in, handled as in WaitingDigit
//!   after the last attempt: wrong digit or timeout ──▶ Routed(fallback)
//! ```

use std::time::Instant;

use crate::config::Menu;

/// What the call should do next on the caller's media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    /// Stop what is playing and play these prompts in order.
    Play(Vec<String>),
    /// The caller is done with the menu: stop playback and go to this queue.
    Route(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Playing,
    WaitingDigit { deadline: Instant },
    Routed,
}

/// One caller's walk through one menu.
#[derive(Debug)]
pub struct MenuRun {
    menu: Menu,
    /// How many times the menu prompt has been started.
    attempts: u32,
    state: State,
}

impl MenuRun {
    /// Starts the menu: greeting (if any) then the menu prompt.
    pub fn start(menu: Menu) -> (MenuRun, MenuAction) {
        let mut prompts: Vec<String> = menu.greeting.iter().cloned().collect();
        prompts.push(menu.prompt.clone());
        (
            MenuRun {
                menu,
                attempts: 1,
                state: State::Playing,
            },
            MenuAction::Play(prompts),
        )
    }

    /// When the digit timer expires, if it is running.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::WaitingDigit { deadline } => Some(deadline),
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn is_routed(&self) -> bool {
        self.state == State::Routed
    }

    /// The prompts asked for have all been played.
    pub fn on_playback_done(&mut self, now: Instant) {
        if self.state == State::Playing {
            self.state = State::WaitingDigit {
                deadline: now + self.menu.digit_timeout,
            };
        }
    }

    /// A key was pressed (during a prompt or after it).
    pub fn on_digit(&mut self, digit: char) -> Option<MenuAction> {
        if self.state == State::Routed {
            return None;
        }
        if let Some(queue) = self.menu.options.get(&digit) {
            self.state = State::Routed;
            return Some(MenuAction::Route(queue.clone()));
        }
        Some(self.retry(true))
    }

    /// Time passed; acts if the digit timer expired.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<MenuAction> {
        match self.state {
            State::WaitingDigit { deadline } if now >= deadline => Some(self.retry(false)),
            _ => None,
        }
    }

    fn retry(&mut self, wrong_digit: bool) -> MenuAction {
        if self.attempts >= self.menu.max_attempts {
            self.state = State::Routed;
            return MenuAction::Route(self.menu.fallback.clone());
        }
        self.attempts += 1;
        self.state = State::Playing;
        let mut prompts = Vec::new();
        if wrong_digit {
            prompts.extend(self.menu.invalid.iter().cloned());
        }
        prompts.push(self.menu.prompt.clone());
        MenuAction::Play(prompts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Overrides};
    use std::time::Duration;

    fn main_menu() -> Menu {
        let c = Config::demo(&Overrides::default()).expect("demo");
        c.menu("main").cloned().expect("main menu")
    }

    fn play(names: &[&str]) -> MenuAction {
        MenuAction::Play(names.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn greeting_then_menu_then_a_valid_digit_routes() {
        let (mut run, first) = MenuRun::start(main_menu());
        assert_eq!(first, play(&["greeting", "menu"]));
        let t0 = Instant::now();
        run.on_playback_done(t0);
        assert_eq!(run.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        assert_eq!(
            run.on_digit('2'),
            Some(MenuAction::Route("immigration".into()))
        );
        assert!(run.is_routed());
        assert_eq!(
            run.on_digit('1'),
            None,
            "a routed caller's digits are ignored"
        );
    }

    #[test]
    fn a_digit_during_the_prompt_barges_in() {
        let (mut run, _) = MenuRun::start(main_menu());
        assert_eq!(
            run.on_digit('1'),
            Some(MenuAction::Route("benefits".into()))
        );
    }

    #[test]
    fn silence_repeats_the_menu_three_times_then_general() {
        let (mut run, _) = MenuRun::start(main_menu());
        let mut now = Instant::now();
        for _ in 0..2 {
            run.on_playback_done(now);
            assert_eq!(run.handle_timeout(now + Duration::from_millis(4999)), None);
            now += Duration::from_secs(5);
            assert_eq!(run.handle_timeout(now), Some(play(&["menu"])));
            assert_eq!(
                run.poll_timeout(),
                None,
                "no digit timer while the menu plays"
            );
        }
        run.on_playback_done(now);
        now += Duration::from_secs(5);
        assert_eq!(
            run.handle_timeout(now),
            Some(MenuAction::Route("general".into()))
        );
    }

    #[test]
    fn wrong_digits_say_so_and_count_as_attempts() {
        let (mut run, _) = MenuRun::start(main_menu());
        assert_eq!(run.on_digit('7'), Some(play(&["invalid", "menu"])));
        assert_eq!(run.on_digit('#'), Some(play(&["invalid", "menu"])));
        assert_eq!(run.on_digit('9'), Some(MenuAction::Route("general".into())));
    }
}
