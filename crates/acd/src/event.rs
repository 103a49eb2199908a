//! What goes into the engine ([`Event`]) and what comes out ([`Action`]).
//!
//! Events are facts the call control observed (a call reached a queue, an agent
//! registered, a phone answered); actions are requests back to it (ring this
//! phone, stop ringing it). Agents are named by the extension string the call
//! control already uses, so it needs no mapping table of its own.

use std::fmt;
use std::time::Instant;

/// A call, named by an id the call control chooses (unique while the call is in
/// the engine; it may be reused once the call has left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call-{}", self.0)
    }
}

/// An input to [`Engine::handle`](crate::Engine::handle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A caller entered a queue. Higher `priority` is served first; equal
    /// priorities are served in arrival order (`now` of this event).
    CallArrived {
        /// The new call.
        call: CallId,
        /// The queue name.
        queue: String,
        /// Higher first; 0 is the usual value.
        priority: i32,
    },
    /// The agent's phone registered: the agent becomes Available.
    AgentLogin {
        /// The agent id (extension).
        agent: String,
    },
    /// The agent's registration expired or was removed. A ringing offer is
    /// withdrawn; an agent on a call is logged out when the call ends.
    AgentLogout {
        /// The agent id (extension).
        agent: String,
    },
    /// The agent takes a break. A ringing offer is withdrawn; on a call, the
    /// pause starts when the call (and its wrap-up) ends.
    AgentPause {
        /// The agent id (extension).
        agent: String,
        /// Free text shown on status output ("lunch", "training").
        reason: String,
    },
    /// The agent is back from a break (or cancels a pending one).
    AgentUnpause {
        /// The agent id (extension).
        agent: String,
    },
    /// The agent's phone answered the offer.
    OfferAnswered {
        /// The offered call.
        call: CallId,
        /// The agent id (extension).
        agent: String,
    },
    /// The offer could not ring or was refused (486, 603, 408, transport error).
    OfferFailed {
        /// The offered call.
        call: CallId,
        /// The agent id (extension).
        agent: String,
    },
    /// The caller hung up before being answered. Sent for a call already
    /// answered, it means the same as [`Event::CallEnded`].
    CallerLeft {
        /// The call.
        call: CallId,
    },
    /// An answered call ended (either side hung up). Sent for a call not yet
    /// answered, it means the same as [`Event::CallerLeft`].
    CallEnded {
        /// The call.
        call: CallId,
    },
    /// A waiting caller's priority changed (e.g. the IVR learned it is urgent): it moves to
    /// its new place in the order, keeping its arrival time.
    PriorityChanged {
        /// The call.
        call: CallId,
        /// The new priority (higher is served first).
        priority: i32,
    },
}

/// An output drained with [`Engine::poll_action`](crate::Engine::poll_action).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Ring `agent` for `call`. The agent is Reserved until the call control
    /// reports [`Event::OfferAnswered`] or [`Event::OfferFailed`], the caller
    /// leaves, or `ring_deadline` passes (then the engine emits
    /// [`Action::CancelOffer`] itself).
    Offer {
        /// The call to connect.
        call: CallId,
        /// The agent id (extension) to ring.
        agent: String,
        /// When the engine gives up on this agent.
        ring_deadline: Instant,
    },
    /// Stop ringing `agent` for `call` (CANCEL the INVITE). An answer that
    /// crosses this cancel is refused with [`Error::NotOffered`](crate::Error::NotOffered).
    CancelOffer {
        /// The call that was offered.
        call: CallId,
        /// The agent id (extension) that was ringing.
        agent: String,
    },
    /// The engine paused an agent on its own (auto-pause after unanswered offers): tell the
    /// agent and the supervisors.
    AgentPaused {
        /// The agent id.
        agent: String,
        /// Why ([`AUTO_PAUSE_REASON`](crate::AUTO_PAUSE_REASON)).
        reason: String,
    },
    /// The call overflowed into another queue of the engine and waits there, keeping its
    /// arrival time: play that queue's announcement and hold music.
    Overflowed {
        /// The call.
        call: CallId,
        /// The queue it left.
        from: String,
        /// The queue it waits in now.
        to: String,
    },
    /// The call overflowed to a target outside the engine (a menu) and left the engine.
    Released {
        /// The call.
        call: CallId,
        /// The queue it left.
        from: String,
        /// Where the call control sends it.
        to: String,
    },
}
