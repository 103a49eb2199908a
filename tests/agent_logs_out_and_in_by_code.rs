//! An agent logs out with `*46` from its phone: a prompt confirms, the switch hangs up, the
//! phone stays registered (its refreshes do not log it back in) and no caller is offered to
//! it. `*45` logs it in again and the waiting caller rings it at once.

mod common;

use std::time::{Duration, Instant};

use common::{AgentPhone, CallerPhone, Markers, Switchboard, dial_feature};

#[test]
fn star_46_logs_the_agent_out_and_star_45_back_in() {
    let sb = Switchboard::start("feature-login");
    let markers = Markers::new("feature-login");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");

    let heard = dial_feature(&sb, &markers, "1002", "*46");
    assert!(heard.received().total >= 20, "{:?}", heard.received());
    assert!(sb.log_text().contains("feature code"));

    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(12));
    caller.press('2');
    let quiet_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < quiet_until {
        assert!(
            !markers.exists("rung"),
            "a logged-out agent is not offered calls"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let _ = dial_feature(&sb, &markers, "1002", "*45");
    markers.wait("rung", Duration::from_secs(5));
    let caller = caller.talk_with(&mut agent, 50);
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success());
}
