//! Agents' feature codes, dialled from the agent's own phone (digest-authenticated like any
//! call of its own). The call is answered, a prompt confirms the agent's state, and we hang up.
//!
//! | dialled | does | prompt |
//! |---|---|---|
//! | `*45` | log in to the queues | `agent-logged-in` |
//! | `*46` | log out; the phone stays registered and its refreshes do not log it back in | `agent-logged-out` |
//! | `*47`, `*47N` | pause, with reason N from `acd.pause_reasons` (plain `*47`: `break`) | `agent-paused` |
//! | `*48` | unpause (also after an auto-pause) | `agent-available` |
//!
//! When the ACD cannot do what was asked (pause while logged out, say), the prompt tells the
//! state the agent is in instead, so the agent always hears the truth.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Instant;

use sip::Request;
use sip::Response;
use sip::transaction::TxId;
use sip::transport::Peer;

use super::session_timer;
use super::{MediaCommand, Output, Switch};

/// The prompts a feature code may play; loaded at start.
pub const PROMPTS: [&str; 4] = [
    "agent-logged-in",
    "agent-logged-out",
    "agent-paused",
    "agent-available",
];

/// What an agent asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Feature {
    Login,
    Logout,
    Pause(String),
    Unpause,
}

impl Feature {
    /// The feature a dialled number stands for, if it is a feature code.
    pub(super) fn parse(dialled: &str, reasons: &BTreeMap<String, String>) -> Option<Feature> {
        // Some phones send the star percent-encoded.
        let code = dialled
            .strip_prefix('*')
            .or_else(|| dialled.strip_prefix("%2A"))
            .or_else(|| dialled.strip_prefix("%2a"))?;
        match code {
            "45" => Some(Feature::Login),
            "46" => Some(Feature::Logout),
            "48" => Some(Feature::Unpause),
            "47" => Some(Feature::Pause("break".into())),
            _ => {
                let n = code.strip_prefix("47")?;
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                let reason = reasons
                    .get(n)
                    .cloned()
                    .unwrap_or_else(|| format!("code {n}"));
                Some(Feature::Pause(reason))
            }
        }
    }

    fn prompt(&self) -> &'static str {
        match self {
            Feature::Login => "agent-logged-in",
            Feature::Logout => "agent-logged-out",
            Feature::Pause(_) => "agent-paused",
            Feature::Unpause => "agent-available",
        }
    }
}

impl Switch {
    /// Carries out `feature` for `user` and answers the phone with the confirmation.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn accept_feature(
        &mut self,
        tx: TxId,
        req: &Request,
        source: Peer,
        local_ip: IpAddr,
        user: &str,
        feature: Feature,
        now: Instant,
    ) -> Result<(), Response> {
        if self.acd.agent_state(user).is_none() {
            // Supervisors are in no queue.
            return Err(Response::for_request(req, 403));
        }
        let prompt = self.apply_feature(user, &feature, now);
        let (id, _) = self.answer_new_call(
            tx,
            req,
            source,
            local_ip,
            session_timer::Grant::None,
            (user.to_string(), false),
            now,
        )?;
        if let Some(call) = self.calls.get(&id) {
            let _g = call.span.enter();
            tracing::info!(agent = %user, ?feature, prompt, "feature code");
        }
        self.out.push_back(Output::Media(MediaCommand::Play {
            session: id,
            prompts: vec![prompt.to_string()],
            loop_last: false,
        }));
        Ok(())
    }

    /// Tells the ACD; returns the prompt that confirms the agent's state.
    fn apply_feature(&mut self, user: &str, feature: &Feature, now: Instant) -> &'static str {
        let agent = user.to_string();
        let event = match feature {
            Feature::Login => {
                self.logged_off.remove(user);
                acd::Event::AgentLogin { agent }
            }
            Feature::Logout => {
                self.logged_off.insert(agent.clone());
                acd::Event::AgentLogout { agent }
            }
            Feature::Pause(reason) => acd::Event::AgentPause {
                agent,
                reason: reason.clone(),
            },
            Feature::Unpause => acd::Event::AgentUnpause { agent },
        };
        match self.acd.handle(now, event) {
            Ok(()) => feature.prompt(),
            Err(e) => {
                tracing::debug!(agent = %user, error = %e, "feature code changed nothing");
                match self.acd.agent_state(user) {
                    Some(acd::AgentState::LoggedOut) | None => "agent-logged-out",
                    Some(acd::AgentState::Paused { .. }) => "agent-paused",
                    Some(_) if *feature == Feature::Login => "agent-logged-in",
                    Some(_) => "agent-available",
                }
            }
        }
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn codes_and_reasons_are_read() {
        let reasons = BTreeMap::from([("2".to_string(), "lunch".to_string())]);
        let p = |s: &str| Feature::parse(s, &reasons);
        assert_eq!(p("*45"), Some(Feature::Login));
        assert_eq!(p("%2A46"), Some(Feature::Logout));
        assert_eq!(p("*48"), Some(Feature::Unpause));
        assert_eq!(p("*47"), Some(Feature::Pause("break".into())));
        assert_eq!(p("*472"), Some(Feature::Pause("lunch".into())));
        assert_eq!(p("*479"), Some(Feature::Pause("code 9".into())));
        assert_eq!(p("*47x"), None);
        assert_eq!(p("*44"), None);
        assert_eq!(p("1002"), None);
        assert_eq!(p("+12025550100"), None);
    }
}
