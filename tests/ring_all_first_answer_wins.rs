//! A ring-all queue rings every free agent at once: the first phone to answer takes the call
//! (audio flows with it) and the other phone is cancelled.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard, TestDir};

#[test]
fn every_phone_rings_and_the_first_answer_takes_the_call() {
    let files = TestDir::new("ring-all");
    let config = files.demo_config(&[("[[queues]]", "strategy = \"ring-all\"")]);
    let sb = Switchboard::start_with_config("ring-all", &config);
    let silent = Markers::new("ring-all-1001");
    let _nobody = AgentPhone::register(&sb, &silent, "1001", "u1", "agent_rings_no_answer.xml");
    let answering = Markers::new("ring-all-1003");
    let mut agent = AgentPhone::register(&sb, &answering, "1003", "u1", "agent_answer.xml");

    let mut caller = CallerPhone::dial(&sb, &answering, "caller.xml", Duration::from_secs(6));
    caller.press('1');
    silent.wait("rung", Duration::from_secs(10));
    answering.wait("rung", Duration::from_secs(10));
    // 1003 answers after 300 ms; 1001, which never answers, is cancelled.
    silent.wait("cancelled", Duration::from_secs(10));
    let caller = caller.talk_with(&mut agent, 50);
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    answering.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success());
}
