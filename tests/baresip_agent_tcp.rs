//! baresip 1.0.0, an independent SIP softphone, registers over TCP as agent 1001, answers a
//! queued call by itself and talks with the caller: audio flows both ways through the relay,
//! and the caller's hang-up ends baresip's call.

mod common;

use common::baresip::{Transport, answers_a_queued_call};

#[test]
fn baresip_over_tcp_answers_a_queued_call_and_audio_flows_both_ways() {
    answers_a_queued_call(Transport::Tcp, "baresip-agent-tcp");
}
