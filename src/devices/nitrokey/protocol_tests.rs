//! Known-answer and layout tests of the Nitrokey frames.
use super::*;
use proptest::prelude::*;

#[test]
fn crc_vectors_of_section_6_1() {
    let get_status = request(cmd::GET_STATUS, &[]);
    assert_eq!(crc(&get_status[..60]), 0xEF6E_B7DF);
    assert_eq!(&get_status[60..], &[0xDF, 0xB7, 0x6E, 0xEF]);
    assert_eq!(crc(&request(0x09, &[])[..60]), 0xBC3A_C292);
}

#[test]
fn frame_layouts() {
    let temp = [b'T'; PW_LEN];
    let a = first_authenticate("12345678", &temp).unwrap();
    assert_eq!(a[0], 0x07);
    assert_eq!(&a[1..9], b"12345678");
    assert_eq!(a[9], 0);
    assert_eq!(&a[26..51], &temp);
    let w = write_to_slot(&temp, totp_slot(3), 30, 0x01, b"");
    assert_eq!((w[26], w[27], w[35]), (0x23, 30, 0x01));
    let d = send_otp_data(&temp, b'S', 1, &[7; 10]);
    assert_eq!((d[26], d[27], d[28], d[38]), (b'S', 1, 7, 0));
    let t = set_time(true, 0x0102_0304);
    assert_eq!(&t[1..6], &[1, 4, 3, 2, 1]);
    let r = response(0x04, 0xAABBCCDD, 0, &[0x39, 0x30, 0, 0, 1]);
    let p = parse_response(&r).unwrap();
    assert!(p.crc_ok);
    assert_eq!(p.request_crc, 0xAABBCCDD);
    assert_eq!(parse_code(&p.payload).unwrap(), (12345, 1));
    assert!(status_meaning(4).contains("PIN"));
}

#[test]
fn pins_of_25_bytes_fill_the_field_and_longer_ones_are_refused() {
    let temp = [b'T'; PW_LEN];
    let pin25 = "abcdefghijklmnopqrstuvwxy";
    let a = first_authenticate(pin25, &temp).unwrap();
    assert_eq!(
        &a[1..26],
        pin25.as_bytes(),
        "all 25 bytes, no NUL forced in"
    );
    assert_eq!(&a[26..51], &temp);
    let u = user_authenticate("123456", &temp).unwrap();
    assert_eq!(
        (u[0], &u[1..7], u[7]),
        (cmd::USER_AUTHENTICATE, &b"123456"[..], 0)
    );
    assert_eq!(
        first_authenticate(&format!("{pin25}z"), &temp),
        Err(PinTooLong(26))
    );
    assert_eq!(factory_reset(&"x".repeat(30)), Err(PinTooLong(30)));
}

#[test]
fn get_code_carries_the_user_temporary_password_at_19() {
    let temp = [b'U'; PW_LEN];
    let g = get_code(0x21, Some(&temp));
    assert_eq!((g[0], g[1]), (cmd::GET_CODE, 0x21));
    assert!(g[2..19].iter().all(|b| *b == 0));
    assert_eq!(&g[19..44], &temp);
    assert!(get_code(0x21, None)[19..44].iter().all(|b| *b == 0));
}

#[test]
fn status_config_and_slot_records() {
    let mut payload = vec![15, 0, 0x0F, 0x1C, 0, 0];
    let cfg = GeneralConfig {
        user_password: true,
        ..GeneralConfig::FACTORY
    };
    payload.extend_from_slice(&cfg.encode());
    let s = parse_status(&payload).unwrap();
    assert_eq!((s.major, s.minor, s.serial), (0, 15, 0x1C0F));
    assert!(s.config.user_password && s.config.numlock == 0xFF);
    assert!(
        !GeneralConfig::decode([0, 0, 0, 2, 0]).user_password,
        "only 1 means on"
    );
    let mut r = b"RFC".to_vec();
    r.resize(15, 0);
    r.push(1);
    r.extend_from_slice(&[7; 13]);
    r.extend_from_slice(&30u64.to_le_bytes());
    let rec = parse_slot(&r).unwrap();
    assert_eq!(
        (rec.name.as_str(), rec.config, rec.interval_or_counter),
        ("RFC", 1, 30)
    );
    assert!(parse_slot(&r[..36]).is_err());
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = parse_response(&bytes);
        let _ = parse_status(&bytes);
        let _ = parse_code(&bytes);
        let _ = parse_slot(&bytes);
        let _ = crc(&bytes);
    }
}
