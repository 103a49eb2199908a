//! The agent state machine.
//!
//! ```text
//!              Login                  offer                answered
//!  LoggedOut ────────▶ Available ────────────▶ Reserved ───────────▶ OnCall
//!      ▲                │  ▲  ▲  ▲                 │                    │
//!      │          Pause │  │  │  │ ring timer,     │                    │ CallEnded
//!      │                ▼  │  │  │ failed,         │                    ▼
//!      │          Paused ──┘  │  │ caller left     │                  WrapUp
//!      │             Unpause  │  └─────────────────┘                    │
//!      │                      └──────────── wrap-up timer ──────────────┘
//!      └── Logout: from any state (from OnCall: when the call ends)
//! ```
//!
//! Every state has a way out, on an event or on the engine's own timer:
//!
//! | State     | Event / timer                    | Next state                               | Side effect                  |
//! |-----------|----------------------------------|------------------------------------------|------------------------------|
//! | LoggedOut | Login                            | Available (idle since now)               |                              |
//! | Available | engine offers a call             | Reserved (ring deadline)                 | `Action::Offer`              |
//! | Available | cool-down timer                  | Available, offerable again               |                              |
//! | Available | Pause / Logout                   | Paused / LoggedOut                       |                              |
//! | Reserved  | OfferAnswered                    | OnCall                                   |                              |
//! | Reserved  | ring timer (ring deadline)       | Available (idle since now), no-answer +1 | `CancelOffer`, call re-queued |
//! | Reserved  | OfferFailed                      | Available in cool-down (idle since now)  | call re-queued               |
//! | Reserved  | CallerLeft                       | Available (idle time kept)               | `CancelOffer`                |
//! | Reserved  | Pause / Logout                   | Paused / LoggedOut                       | `CancelOffer`, call re-queued |
//! | OnCall    | CallEnded                        | WrapUp, or its successor if wrap-up is 0 |                              |
//! | OnCall    | Pause / Logout                   | OnCall, pause / logout pending           |                              |
//! | OnCall    | Unpause / Login                  | OnCall, pending pause / logout cancelled |                              |
//! | WrapUp    | wrap-up timer                    | Available, or Paused if a pause pends    |                              |
//! | WrapUp    | Pause / Logout                   | Paused / LoggedOut                       |                              |
//! | Paused    | Unpause / Logout                 | Available (idle since now) / LoggedOut   |                              |
//! | Paused    | Pause                            | Paused with the new reason               |                              |
//!
//! A pending logout skips wrap-up: the phone is gone. Anything else that does not
//! fit the state is refused and changes nothing.
//!
//! Why "idle since now" after a no-answer or failure: longest-idle selection
//! must not keep handing the next call to the agent who just did not pick up.
//! When the caller hangs up while the phone rings, the agent did nothing wrong
//! and keeps its place.

use std::time::Instant;

use crate::CallId;

/// An agent's state as seen from outside (status output, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentState {
    /// Not registered; never offered calls.
    LoggedOut,
    /// Waiting for a call. Offers go to the longest-idle agent first.
    Available {
        /// When the agent last became Available.
        idle_since: Instant,
        /// Set after a failed offer: no offers before this instant.
        cooldown_until: Option<Instant>,
    },
    /// The agent's phone is ringing for `call`.
    Reserved {
        /// The offered call.
        call: CallId,
        /// When the engine gives up on this agent.
        ring_deadline: Instant,
    },
    /// Talking to the caller of `call`.
    OnCall {
        /// The connected call.
        call: CallId,
    },
    /// After-call work; Available (or Paused) at `until`.
    WrapUp {
        /// End of the wrap-up time.
        until: Instant,
    },
    /// On a break; offered nothing until unpaused.
    Paused {
        /// Why, as given with the pause.
        reason: String,
    },
}

/// What happens to an agent on call once the call ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AfterCall {
    /// Wrap-up, then Available.
    Ready,
    /// Wrap-up, then Paused with this reason.
    Pause(String),
    /// Straight to LoggedOut.
    Logout,
}

/// The internal state; carries what the public view leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    LoggedOut,
    Available {
        idle_since: Instant,
        cooldown_until: Option<Instant>,
    },
    Reserved {
        call: CallId,
        ring_deadline: Instant,
        /// Restored if the offer is withdrawn through no fault of the agent.
        idle_since: Instant,
    },
    OnCall {
        call: CallId,
        after: AfterCall,
    },
    WrapUp {
        until: Instant,
        then_pause: Option<String>,
    },
    Paused {
        reason: String,
    },
}

/// The one deadline an agent state may carry: timers are data derived from state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Reserved: the offer rang too long.
    Ring,
    /// Available: the cool-down after a failed offer is over.
    Cooldown,
    /// WrapUp: after-call work time is over.
    WrapUp,
}

/// An input to [`next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input<'a> {
    Login,
    Logout,
    Pause(&'a str),
    Unpause,
    /// The engine offers `call`; only an agent ready for offers accepts.
    Offer {
        call: CallId,
        ring_deadline: Instant,
    },
    Answered(CallId),
    Failed {
        call: CallId,
        cooldown_until: Instant,
    },
    /// The caller left while this agent's phone rang.
    Withdrawn(CallId),
    /// The connected call ended; `wrap_until` is `None` for no wrap-up.
    CallEnded {
        call: CallId,
        wrap_until: Option<Instant>,
    },
    /// The state's own timer (see [`State::timer`]) fired.
    TimerFired,
}

impl Input<'_> {
    /// The input's name for messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Input::Login => "login",
            Input::Logout => "logout",
            Input::Pause(_) => "pause",
            Input::Unpause => "unpause",
            Input::Offer { .. } => "offer",
            Input::Answered(_) => "answer",
            Input::Failed { .. } => "offer failure",
            Input::Withdrawn(_) => "offer withdrawal",
            Input::CallEnded { .. } => "call end",
            Input::TimerFired => "timer",
        }
    }
}

/// A consequence for the call the agent was ringing for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    None,
    /// The offer for this call is withdrawn by the agent side (pause, logout):
    /// cancel the ringing and put the call back in its place.
    Requeue(CallId),
    /// The offer rang out: cancel it and try another agent.
    NoAnswer(CallId),
}

/// Why an input does not fit the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    AlreadyLoggedIn,
    NotLoggedIn,
    NotPaused,
    /// Answer, failure or withdrawal for a call this agent is not ringing for;
    /// an offer to an agent that is not ready; a call end for another call; a
    /// timer that no longer applies.
    Stale,
}

impl State {
    /// The public view.
    pub(crate) fn view(&self) -> AgentState {
        match self {
            State::LoggedOut => AgentState::LoggedOut,
            State::Available {
                idle_since,
                cooldown_until,
            } => AgentState::Available {
                idle_since: *idle_since,
                cooldown_until: *cooldown_until,
            },
            State::Reserved {
                call,
                ring_deadline,
                ..
            } => AgentState::Reserved {
                call: *call,
                ring_deadline: *ring_deadline,
            },
            State::OnCall { call, .. } => AgentState::OnCall { call: *call },
            State::WrapUp { until, .. } => AgentState::WrapUp { until: *until },
            State::Paused { reason } => AgentState::Paused {
                reason: reason.clone(),
            },
        }
    }

    /// The state's name for messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            State::LoggedOut => "logged out",
            State::Available { .. } => "available",
            State::Reserved { .. } => "reserved",
            State::OnCall { .. } => "on call",
            State::WrapUp { .. } => "in wrap-up",
            State::Paused { .. } => "paused",
        }
    }

    /// `Some(idle_since)` if calls may be offered to the agent right now.
    pub(crate) fn ready_since(&self) -> Option<Instant> {
        match self {
            State::Available {
                idle_since,
                cooldown_until: None,
            } => Some(*idle_since),
            _ => None,
        }
    }

    /// The state's timer and its deadline, if it has one.
    pub(crate) fn timer(&self) -> Option<(Timer, Instant)> {
        match self {
            State::Reserved { ring_deadline, .. } => Some((Timer::Ring, *ring_deadline)),
            State::Available {
                cooldown_until: Some(t),
                ..
            } => Some((Timer::Cooldown, *t)),
            State::WrapUp { until, .. } => Some((Timer::WrapUp, *until)),
            _ => None,
        }
    }
}

/// The transition function: the next state and the effect on the call the
/// agent was ringing for, or why `input` does not fit `state`.
pub(crate) fn next(
    state: &State,
    input: Input<'_>,
    now: Instant,
) -> Result<(State, Effect), Refusal> {
    use Effect as E;
    use Input as I;
    use State as S;
    let available = |idle_since| S::Available {
        idle_since,
        cooldown_until: None,
    };
    let done = |s| Ok((s, E::None));
    match (state, input) {
        (S::LoggedOut, I::Login) => done(available(now)),
        (S::LoggedOut, I::Logout | I::Pause(_) | I::Unpause) => Err(Refusal::NotLoggedIn),

        (_, I::Login) => match state {
            S::OnCall {
                call,
                after: AfterCall::Logout,
            } => done(S::OnCall {
                call: *call,
                after: AfterCall::Ready,
            }),
            _ => Err(Refusal::AlreadyLoggedIn),
        },

        (S::Available { .. } | S::WrapUp { .. } | S::Paused { .. }, I::Logout) => {
            done(S::LoggedOut)
        }
        (S::Available { .. } | S::WrapUp { .. } | S::Paused { .. }, I::Pause(reason)) => {
            done(S::Paused {
                reason: reason.to_owned(),
            })
        }
        (S::Paused { .. }, I::Unpause) => done(available(now)),
        (
            S::WrapUp {
                until,
                then_pause: Some(_),
            },
            I::Unpause,
        ) => done(S::WrapUp {
            until: *until,
            then_pause: None,
        }),
        (S::Available { .. } | S::WrapUp { .. } | S::Reserved { .. }, I::Unpause) => {
            Err(Refusal::NotPaused)
        }

        (
            S::Available {
                idle_since,
                cooldown_until: None,
            },
            I::Offer {
                call,
                ring_deadline,
            },
        ) => done(S::Reserved {
            call,
            ring_deadline,
            idle_since: *idle_since,
        }),
        (
            S::Available {
                cooldown_until: Some(_),
                ..
            },
            I::TimerFired,
        ) => done(available(now)),

        (S::Reserved { call, .. }, I::Answered(answered)) if *call == answered => done(S::OnCall {
            call: *call,
            after: AfterCall::Ready,
        }),
        (
            S::Reserved { call, .. },
            I::Failed {
                call: failed,
                cooldown_until,
            },
        ) if *call == failed => done(S::Available {
            idle_since: now,
            cooldown_until: (cooldown_until > now).then_some(cooldown_until),
        }),
        (
            S::Reserved {
                call, idle_since, ..
            },
            I::Withdrawn(gone),
        ) if *call == gone => done(available(*idle_since)),
        (S::Reserved { call, .. }, I::TimerFired) => Ok((available(now), E::NoAnswer(*call))),
        (S::Reserved { call, .. }, I::Logout) => Ok((S::LoggedOut, E::Requeue(*call))),
        (S::Reserved { call, .. }, I::Pause(reason)) => Ok((
            S::Paused {
                reason: reason.to_owned(),
            },
            E::Requeue(*call),
        )),

        (
            S::OnCall { call, after },
            I::CallEnded {
                call: ended,
                wrap_until,
            },
        ) if *call == ended => {
            let after_wrap = |then_pause: Option<String>| match then_pause {
                Some(reason) => S::Paused { reason },
                None => available(now),
            };
            let then_pause = match after {
                AfterCall::Logout => return done(S::LoggedOut),
                AfterCall::Ready => None,
                AfterCall::Pause(reason) => Some(reason.clone()),
            };
            match wrap_until {
                Some(until) if until > now => done(S::WrapUp { until, then_pause }),
                _ => done(after_wrap(then_pause)),
            }
        }
        (S::OnCall { call, .. }, I::Logout) => done(S::OnCall {
            call: *call,
            after: AfterCall::Logout,
        }),
        (S::OnCall { call, .. }, I::Pause(reason)) => done(S::OnCall {
            call: *call,
            after: AfterCall::Pause(reason.to_owned()),
        }),
        (
            S::OnCall {
                call,
                after: AfterCall::Pause(_),
            },
            I::Unpause,
        ) => done(S::OnCall {
            call: *call,
            after: AfterCall::Ready,
        }),
        (S::OnCall { .. }, I::Unpause) => Err(Refusal::NotPaused),

        (S::WrapUp { then_pause, .. }, I::TimerFired) => done(match then_pause {
            Some(reason) => S::Paused {
                reason: reason.clone(),
            },
            None => available(now),
        }),

        _ => Err(Refusal::Stale),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const CALL: CallId = CallId(7);

    fn t0() -> Instant {
        Instant::now()
    }

    fn ready(idle_since: Instant) -> State {
        State::Available {
            idle_since,
            cooldown_until: None,
        }
    }

    fn step(state: &State, input: Input<'_>, now: Instant) -> State {
        match next(state, input, now) {
            Ok((s, _)) => s,
            Err(r) => panic!("{input:?} refused in {state:?}: {r:?}"),
        }
    }

    #[test]
    fn login_makes_the_agent_ready_and_idle_from_now() {
        let t = t0();
        let s = step(&State::LoggedOut, Input::Login, t);
        assert_eq!(s.ready_since(), Some(t));
        assert_eq!(s.timer(), None);
    }

    #[test]
    fn ring_timeout_returns_the_agent_with_fresh_idle_time_and_reports_no_answer() {
        let t = t0();
        let deadline = t + Duration::from_secs(15);
        let reserved = step(
            &ready(t),
            Input::Offer {
                call: CALL,
                ring_deadline: deadline,
            },
            t,
        );
        assert_eq!(reserved.timer(), Some((Timer::Ring, deadline)));
        let (s, effect) = next(&reserved, Input::TimerFired, deadline).expect("ring timer applies");
        assert_eq!(s.ready_since(), Some(deadline));
        assert_eq!(effect, Effect::NoAnswer(CALL));
    }

    #[test]
    fn caller_leaving_while_ringing_keeps_the_agent_s_idle_time() {
        let t = t0();
        let later = t + Duration::from_secs(3);
        let reserved = State::Reserved {
            call: CALL,
            ring_deadline: t + Duration::from_secs(20),
            idle_since: t,
        };
        let s = step(&reserved, Input::Withdrawn(CALL), later);
        assert_eq!(s.ready_since(), Some(t));
    }

    #[test]
    fn failed_offer_cools_down_then_becomes_ready() {
        let t = t0();
        let until = t + Duration::from_secs(5);
        let reserved = State::Reserved {
            call: CALL,
            ring_deadline: t + Duration::from_secs(15),
            idle_since: t,
        };
        let cooling = step(
            &reserved,
            Input::Failed {
                call: CALL,
                cooldown_until: until,
            },
            t,
        );
        assert_eq!(cooling.ready_since(), None);
        assert_eq!(cooling.timer(), Some((Timer::Cooldown, until)));
        assert_eq!(
            step(&cooling, Input::TimerFired, until).ready_since(),
            Some(until)
        );
    }

    #[test]
    fn answers_for_another_call_are_stale() {
        let t = t0();
        let reserved = State::Reserved {
            call: CALL,
            ring_deadline: t,
            idle_since: t,
        };
        assert_eq!(
            next(&reserved, Input::Answered(CallId(8)), t),
            Err(Refusal::Stale)
        );
    }

    #[test]
    fn logout_or_pause_while_ringing_requeues_the_call() {
        let t = t0();
        let reserved = State::Reserved {
            call: CALL,
            ring_deadline: t,
            idle_since: t,
        };
        assert_eq!(
            next(&reserved, Input::Logout, t),
            Ok((State::LoggedOut, Effect::Requeue(CALL)))
        );
        assert_eq!(
            next(&reserved, Input::Pause("lunch"), t),
            Ok((
                State::Paused {
                    reason: "lunch".into()
                },
                Effect::Requeue(CALL)
            ))
        );
    }

    #[test]
    fn call_end_goes_through_wrap_up_then_available() {
        let t = t0();
        let until = t + Duration::from_secs(30);
        let on_call = step(&reserved_then_answered(t), Input::Unpause, t);
        assert!(
            matches!(on_call, State::OnCall { .. }),
            "pending pause cleared"
        );
        let wrap = step(
            &on_call,
            Input::CallEnded {
                call: CALL,
                wrap_until: Some(until),
            },
            t,
        );
        assert_eq!(wrap.timer(), Some((Timer::WrapUp, until)));
        assert_eq!(
            step(&wrap, Input::TimerFired, until).ready_since(),
            Some(until)
        );
    }

    fn reserved_then_answered(t: Instant) -> State {
        let reserved = State::Reserved {
            call: CALL,
            ring_deadline: t,
            idle_since: t,
        };
        let on_call = step(&reserved, Input::Answered(CALL), t);
        step(&on_call, Input::Pause("break"), t)
    }

    #[test]
    fn zero_wrap_up_goes_straight_back_to_available() {
        let t = t0();
        let on_call = State::OnCall {
            call: CALL,
            after: AfterCall::Ready,
        };
        let s = step(
            &on_call,
            Input::CallEnded {
                call: CALL,
                wrap_until: None,
            },
            t,
        );
        assert_eq!(s.ready_since(), Some(t));
    }

    #[test]
    fn pause_requested_on_call_starts_after_wrap_up() {
        let t = t0();
        let until = t + Duration::from_secs(10);
        let on_call = reserved_then_answered(t);
        let wrap = step(
            &on_call,
            Input::CallEnded {
                call: CALL,
                wrap_until: Some(until),
            },
            t,
        );
        assert_eq!(
            step(&wrap, Input::TimerFired, until),
            State::Paused {
                reason: "break".into()
            }
        );
    }

    #[test]
    fn logout_on_call_takes_effect_at_call_end_without_wrap_up() {
        let t = t0();
        let on_call = State::OnCall {
            call: CALL,
            after: AfterCall::Ready,
        };
        let pending = step(&on_call, Input::Logout, t);
        let s = step(
            &pending,
            Input::CallEnded {
                call: CALL,
                wrap_until: Some(t + Duration::from_secs(30)),
            },
            t,
        );
        assert_eq!(s, State::LoggedOut);
    }

    #[test]
    fn login_during_pending_logout_cancels_it() {
        let t = t0();
        let pending = State::OnCall {
            call: CALL,
            after: AfterCall::Logout,
        };
        assert_eq!(
            step(&pending, Input::Login, t),
            State::OnCall {
                call: CALL,
                after: AfterCall::Ready
            }
        );
    }

    #[test]
    fn events_that_do_not_fit_are_refused() {
        let t = t0();
        assert_eq!(
            next(&State::LoggedOut, Input::Logout, t),
            Err(Refusal::NotLoggedIn)
        );
        assert_eq!(
            next(&ready(t), Input::Login, t),
            Err(Refusal::AlreadyLoggedIn)
        );
        assert_eq!(next(&ready(t), Input::Unpause, t), Err(Refusal::NotPaused));
        assert_eq!(next(&ready(t), Input::TimerFired, t), Err(Refusal::Stale));
        let paused = State::Paused { reason: "x".into() };
        assert_eq!(
            next(
                &paused,
                Input::Offer {
                    call: CALL,
                    ring_deadline: t
                },
                t
            ),
            Err(Refusal::Stale)
        );
    }

    #[test]
    fn every_state_with_a_timer_leaves_it_when_the_timer_fires() {
        let t = t0();
        let states = [
            State::Reserved {
                call: CALL,
                ring_deadline: t,
                idle_since: t,
            },
            State::Available {
                idle_since: t,
                cooldown_until: Some(t),
            },
            State::WrapUp {
                until: t,
                then_pause: None,
            },
        ];
        for s in states {
            assert!(s.timer().is_some());
            assert_eq!(step(&s, Input::TimerFired, t).timer(), None, "from {s:?}");
        }
    }
}
