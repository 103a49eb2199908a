//! A caller behind proxies that Record-Route (RFC 3261 §12.1.1, §12.2.1.1): the switch's 200
//! echoes the Record-Route headers in order, and its in-dialog BYE (sent when the agent hangs
//! up) follows the route set: with a loose router (`;lr`) first, the Request-URI is the
//! caller's Contact and the route set travels as Route; with a strict router first (no `;lr`),
//! the Request-URI is that router's URI and the Route headers are the rest of the route set
//! followed by the caller's Contact.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

/// The agent answers and hangs up 3 s later; the caller's scenario checks the switch's 200 and
/// BYE against the route set it recorded.
fn agent_hangs_up_on_a_routed_caller(test: &str, scenario: &str) {
    let sb = Switchboard::start(test);
    let markers = Markers::new(test);
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer_hangup.xml");

    let mut caller = CallerPhone::dial(&sb, &markers, scenario, Duration::from_secs(30));
    assert!(
        markers.exists("rr_echoed"),
        "the 200 echoes the Record-Route headers in order"
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    let caller = caller.talk_with(&mut agent, 50);

    markers.wait("bye_answered", Duration::from_secs(15));
    markers.wait("bye_routed", Duration::from_secs(10));
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}

#[test]
fn the_bye_to_a_caller_behind_loose_routers_carries_the_route_set() {
    agent_hangs_up_on_a_routed_caller("loose-route-set", "caller_loose_route_set.xml");
}

#[test]
fn the_bye_to_a_caller_behind_a_strict_router_goes_to_the_router() {
    agent_hangs_up_on_a_routed_caller("strict-route-set", "caller_strict_route_set.xml");
}
