//! Automatic call distribution: queues, agents, skills and the agent state
//! machine, as a pure engine.
//!
//! The engine does no IO and has no clock: every input carries `now`, timers
//! are deadlines the owner asks for with [`Engine::poll_timeout`], and every
//! decision comes out as an [`Action`]. The same engine runs behind the SIP call
//! control and in simulations that replay months of traffic in seconds.
//!
//! # Routing rules
//!
//! - **One global order** of waiting callers across all queues: priority
//!   (higher first; it may change while the caller waits), then arrival
//!   (earlier first). A free agent takes the longest-waiting caller among all
//!   queues it is eligible for; a caller is never overtaken because an agent
//!   sits in several queues.
//! - **Skills with proficiency**: agents hold skills at levels 1 to 5; a queue
//!   requires skills, each from a minimum level. **Widening** rules lower the
//!   minimum the longer a caller waits (e.g. level 4, then 2 after 30 s, then
//!   any after 60 s); the caller keeps its place in the order.
//! - **Strategies** decide which of several ready eligible agents a new caller
//!   gets: longest-idle (default), round-robin with memory, fewest-calls,
//!   least-talk-time, linear, random (seeded), skill-weighted, or ring-all
//!   (every ready agent at once, the first answer wins). They never decide
//!   between callers.
//! - An offer that rings out, fails or is withdrawn by the agent side puts the
//!   call back in its *original* place; it then goes to an agent not yet tried.
//! - **Auto-pause**: an agent who leaves a configured number of offers in a row
//!   unanswered is paused ([`Action::AgentPaused`]).
//! - **Overflow**: a queue sends callers on after a wait, when full, or when
//!   nobody who could serve it is logged in: into another queue keeping their
//!   place ([`Action::Overflowed`]) or out to the call control ([`Action::Released`]).
//!
//! The agent states and every way out of them are tabled in [`AgentState`]'s
//! module, [`agent`].
//!
//! # Run loop
//!
//! ```
//! use std::time::{Duration, Instant};
//! use acd::{Action, AgentConfig, CallId, Engine, Event, QueueConfig};
//!
//! let mut engine = Engine::new();
//! engine.add_queue(QueueConfig::new("benefits").with_skill("labor"))?;
//! engine.add_agent(AgentConfig::new("1001").with_skill("labor"))?;
//!
//! let t0 = Instant::now();
//! engine.handle(t0, Event::AgentLogin { agent: "1001".into() })?;
//! engine.handle(t0, Event::CallArrived { call: CallId(1), queue: "benefits".into(), priority: 0 })?;
//! assert_eq!(
//!     engine.poll_action(),
//!     Some(Action::Offer { call: CallId(1), agent: "1001".into(), ring_deadline: t0 + Duration::from_secs(15) })
//! );
//!
//! // Nobody answers: at the deadline the engine withdraws the offer.
//! let deadline = engine.poll_timeout().expect("ring timer");
//! engine.handle_timeout(deadline);
//! assert_eq!(engine.poll_action(), Some(Action::CancelOffer { call: CallId(1), agent: "1001".into() }));
//! # Ok::<(), acd::Error>(())
//! ```
//!
//! The owner loops: feed events with [`Engine::handle`], call
//! [`Engine::handle_timeout`] when [`Engine::poll_timeout`] passes, and after
//! each drain [`Engine::poll_action`] until it returns `None`.
//!
//! # Races the call control must know
//!
//! - An answer that crosses a [`Action::CancelOffer`] is refused with
//!   [`Error::NotOffered`]: the engine has moved on, so hang up that agent leg.
//! - [`Event::CallerLeft`] and [`Event::CallEnded`] both end the call whatever
//!   its state; the two names only document intent.
//!
//! # Complexity
//!
//! With n callers waiting, m agents ready and k skills per agent: a call
//! arrival is O(log n + log m), an agent becoming ready O(k log n), an offer
//! O(k log m + log n), a timer O(log m). Nothing scans all calls or agents.

pub mod agent;
mod config;
mod engine;
pub mod erlang;
mod error;
mod event;
mod matching;
mod order;
pub mod sim;
mod stats;
mod timers;

pub use agent::AgentState;
pub use config::{
    AUTO_PAUSE_REASON, AgentConfig, DEFAULT_OFFER_FAILURE_COOLDOWN, DEFAULT_PROFICIENCY,
    DEFAULT_RING_TIMEOUT, DEFAULT_SERVICE_LEVEL, DEFAULT_WRAP_UP, EngineConfig, MAX_PROFICIENCY,
    Overflow, QueueConfig, Strategy, Widening,
};
pub use engine::{CallStatus, DEFAULT_HANDLE_ESTIMATE, Engine};
pub use error::Error;
pub use event::{Action, CallId, Event};
pub use stats::{AgentCounts, AgentStats, QueueStats};
