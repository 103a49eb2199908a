//! A caller dials 100, hears the menu prompt, presses 2 (RFC 4733), and agent 1002 (green-card,
//! registered with digest) is rung, answers and talks: audio flows both ways through the relay.
//! The caller hangs up and the agent gets a BYE. The switch then exits 0 on SIGTERM.

mod common;

use common::Switchboard;

#[test]
fn caller_talks_to_the_agent_and_hangs_up() {
    let sb = Switchboard::start("bridged-caller-hangs-up");
    common::bridged_call_caller_hangs_up(&sb, "bridged-caller-hangs-up");
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
