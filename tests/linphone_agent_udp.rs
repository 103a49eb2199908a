//! linphone 5.1 (`linphonec`), an independent SIP softphone, registers over UDP as agent 1003,
//! answers a queued call by itself and talks with the caller: audio flows both ways through the
//! relay, and the caller's hang-up ends linphone's call.

mod common;

use common::linphone::{Transport, answers_a_queued_call};

#[test]
fn linphone_over_udp_answers_a_queued_call_and_audio_flows_both_ways() {
    answers_a_queued_call(Transport::Udp, "linphone-agent-udp");
}
