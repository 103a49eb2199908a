//! A trunk with a `register` table registers the switch to its carrier: a real registrar
//! (sipp) challenges with digest, accepts the answer, and on SIGTERM gets the un-REGISTER.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{Markers, Sipp, Switchboard, TestDir, free_sip_port};

#[test]
fn the_switch_registers_to_its_carrier_and_unregisters_at_shutdown() {
    let files = TestDir::new("carrier-registration");
    let markers = Markers::new("carrier-registration");
    let carrier_port = free_sip_port();
    let carrier = Sipp::server(
        "carrier",
        carrier_port,
        "carrier_registrar.xml",
        &[
            ("user", "4412345".to_string()),
            ("password", "trunk-secret".to_string()),
            ("marker_dir", markers.dir.to_string_lossy().into_owned()),
        ],
        Duration::from_secs(60),
    );
    let config = files.demo_config(&[]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .expect("config");
    write!(
        file,
        "\n[[trunks]]\nname = \"carrier\"\nsources = [\"127.0.0.2\"]\nqualify = false\n\
         [trunks.register]\nproxy = \"127.0.0.1:{carrier_port}\"\nregistrar = \"sip:carrier.example\"\n\
         user = \"4412345\"\npassword = \"trunk-secret\"\nexpires = 600\n"
    )
    .expect("append trunk");
    drop(file);

    let sb = Switchboard::start_with_config("carrier-registration", &config);
    markers.wait("carrier_registered", Duration::from_secs(10));
    assert!(
        sb.log_text().contains("state=\"registered\"")
            || sb.log_text().contains("state=registered")
    );
    assert!(sb.stop().success(), "exits 0 after removing its binding");
    markers.wait("carrier_unregistered", Duration::from_secs(5));
    drop(carrier);
}
