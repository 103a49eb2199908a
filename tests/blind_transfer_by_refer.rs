//! An agent transfers the caller blind to another queue with REFER: the agent's phone gets
//! 202, NOTIFY progress and a BYE; the caller is offered afresh and another agent answers.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn an_agent_transfers_the_caller_blind_to_the_general_queue() {
    let sb = Switchboard::start("blind-transfer");
    let first = Markers::new("blind-transfer-1002");
    let second = Markers::new("blind-transfer-1003");
    // 1002 registers first, so it is the longest idle green-card agent and takes the call.
    let _transferring =
        AgentPhone::register(&sb, &first, "1002", "u1", "agent_transfers_blind.xml");
    std::thread::sleep(Duration::from_millis(300));
    let mut receiving = AgentPhone::register(&sb, &second, "1003", "u1", "agent_answer.xml");

    let mut caller = CallerPhone::dial(&sb, &first, "caller.xml", Duration::from_secs(9));
    caller.press('2');
    first.wait("rung", Duration::from_secs(10));
    first.wait("refer_accepted", Duration::from_secs(10));
    first.wait("transferred", Duration::from_secs(10));
    assert!(sb.log_text().contains("blind transfer"));

    // The caller is queued in `general` and 1003 answers.
    second.wait("rung", Duration::from_secs(10));
    let caller = caller.talk_with(&mut receiving, 50);
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    second.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success());
}
