//! Key presses carried in SIP INFO bodies (`application/dtmf-relay`, `application/dtmf`) are
//! read as phones and carriers write them; bad bodies are typed errors, never panics.

use media::{DtmfInfo, Error, parse_dtmf_info};
use proptest::prelude::*;

const RELAY: &str = "application/dtmf-relay";

fn relay(body: &str) -> Result<DtmfInfo, Error> {
    parse_dtmf_info(RELAY, body.as_bytes())
}

fn key(key: char, duration_ms: Option<u32>) -> Result<DtmfInfo, Error> {
    Ok(DtmfInfo { key, duration_ms })
}

#[test]
fn dtmf_relay_as_most_phones_send_it() {
    assert_eq!(relay("Signal=5\r\nDuration=160\r\n"), key('5', Some(160)));
    assert_eq!(relay("Signal=#\r\nDuration=250\r\n"), key('#', Some(250)));
}

#[test]
fn dtmf_relay_tolerates_case_lf_spaces_and_order() {
    assert_eq!(relay("signal=1\nduration=100\n"), key('1', Some(100)));
    assert_eq!(relay("SIGNAL = * \r\n DURATION= 80"), key('*', Some(80)));
    assert_eq!(relay("Duration=120\r\nSignal=9\r\n"), key('9', Some(120)));
    assert_eq!(relay("\r\nSignal=0\r\n\r\n"), key('0', None));
    assert_eq!(relay("Signal=d\r\nVolume=10\r\n"), key('D', None));
}

#[test]
fn dtmf_relay_signal_may_be_an_event_code() {
    assert_eq!(relay("Signal=10\r\n"), key('*', None));
    assert_eq!(relay("Signal=11\r\n"), key('#', None));
    assert_eq!(relay("Signal=12\r\n"), key('A', None));
    assert_eq!(relay("Signal=16\r\n"), Err(Error::DtmfInfoBadSignal));
}

#[test]
fn every_key_is_understood() {
    for c in "0123456789*#ABCDabcd".chars() {
        let expected = c.to_ascii_uppercase();
        assert_eq!(relay(&format!("Signal={c}\r\n")), key(expected, None));
        let body = format!("{c}\r\n");
        assert_eq!(
            parse_dtmf_info("application/dtmf", body.as_bytes()),
            key(expected, None)
        );
    }
}

#[test]
fn content_type_is_case_insensitive_and_parameters_are_ignored() {
    let body = b"Signal=3\r\n";
    assert_eq!(
        parse_dtmf_info("Application/DTMF-Relay", body),
        key('3', None)
    );
    assert_eq!(
        parse_dtmf_info(" application/dtmf-relay ; charset=utf-8", body),
        key('3', None)
    );
    assert_eq!(
        parse_dtmf_info("APPLICATION/DTMF;x=y", b"7"),
        key('7', None)
    );
    assert_eq!(
        parse_dtmf_info("application/sdp", body),
        Err(Error::DtmfInfoContentType)
    );
    assert_eq!(parse_dtmf_info("", body), Err(Error::DtmfInfoContentType));
    assert_eq!(
        parse_dtmf_info("application/dtmf-relayx", body),
        Err(Error::DtmfInfoContentType)
    );
}

#[test]
fn bad_bodies_are_typed_errors() {
    assert_eq!(relay(""), Err(Error::DtmfInfoMissingSignal));
    assert_eq!(relay("Duration=160\r\n"), Err(Error::DtmfInfoMissingSignal));
    assert_eq!(relay("Signal\r\n"), Err(Error::DtmfInfoMalformedLine(1)));
    assert_eq!(
        relay("Signal=1\r\nSignal=2\r\n"),
        Err(Error::DtmfInfoMalformedLine(2))
    );
    assert_eq!(relay("Signal=\r\n"), Err(Error::DtmfInfoBadSignal));
    assert_eq!(relay("Signal=E\r\n"), Err(Error::DtmfInfoBadSignal));
    assert_eq!(relay("Signal=12 3\r\n"), Err(Error::DtmfInfoBadSignal));
    assert_eq!(
        relay("Signal=5\r\nDuration=-1\r\n"),
        Err(Error::DtmfInfoBadDuration(2))
    );
    assert_eq!(
        relay("Signal=5\r\nDuration=99999999999\r\n"),
        Err(Error::DtmfInfoBadDuration(2))
    );
    assert_eq!(
        parse_dtmf_info(RELAY, b"Signal=\xff\r\n"),
        Err(Error::DtmfInfoNotUtf8)
    );
    assert_eq!(
        parse_dtmf_info("application/dtmf", b""),
        Err(Error::DtmfInfoMissingSignal)
    );
    assert_eq!(
        parse_dtmf_info("application/dtmf", b"55"),
        Err(Error::DtmfInfoBadSignal)
    );
    let huge = vec![b' '; 4096];
    assert_eq!(
        parse_dtmf_info(RELAY, &huge),
        Err(Error::DtmfInfoTooLarge(4096))
    );
}

proptest! {
    #[test]
    fn random_bodies_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        relay_type in any::<bool>(),
    ) {
        let content_type = if relay_type { RELAY } else { "application/dtmf" };
        let _ = parse_dtmf_info(content_type, &body);
    }

    #[test]
    fn random_text_bodies_never_panic(body in "[SsDdIiGgNnAaLlUuRrTtOo=0-9*#\\- \r\n]{0,80}") {
        if let Ok(info) = relay(&body) {
            prop_assert!("0123456789*#ABCD".contains(info.key));
        }
    }

    #[test]
    fn random_content_types_never_panic(content_type in "\\PC{0,40}", body in "\\PC{0,40}") {
        let _ = parse_dtmf_info(&content_type, body.as_bytes());
    }
}
