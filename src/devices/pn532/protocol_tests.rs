//! PN532 frame vectors (reader-protocols.md §2) and decoder properties.

use super::*;
use crate::transport::trace::parse_hex;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    parse_hex(s).unwrap()
}

#[test]
fn frames_from_the_research_doc() {
    assert_eq!(
        command(cmd::GET_FIRMWARE_VERSION, &[]),
        hex("00 00 FF 02 FE D4 02 2A 00")
    );
    assert_eq!(
        reply(0x03, &[0x32, 0x01, 0x06, 0x07]),
        hex("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")
    );
    assert_eq!(
        command(cmd::SAM_CONFIGURATION, &[1, 0x14, 1]),
        hex("00 00 FF 05 FB D4 14 01 14 01 02 00")
    );
    assert_eq!(
        command(cmd::RF_CONFIGURATION, &[5, 0xFF, 1, 2]),
        hex("00 00 FF 06 FA D4 32 05 FF 01 02 F3 00")
    );
    assert_eq!(
        command(cmd::IN_LIST_PASSIVE_TARGET, &[1, 0]),
        hex("00 00 FF 04 FC D4 4A 01 00 E1 00")
    );
    assert_eq!(
        reply(0x4B, &hex("01 01 00 04 08 04 DE AD BE EF")),
        hex("00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 DE AD BE EF 96 00")
    );
    assert_eq!(reply(0x4B, &[0]), hex("00 00 FF 03 FD D5 4B 00 E0 00"));
    assert_eq!(
        command(cmd::IN_DATA_EXCHANGE, &[1, 0x30, 4]),
        hex("00 00 FF 05 FB D4 40 01 30 04 B7 00")
    );
    assert_eq!(reply(0x41, &[1]), hex("00 00 FF 03 FD D5 41 01 E9 00"));
    let seven = reply(0x4B, &hex("01 01 00 44 00 07 04 11 22 33 44 55 66"));
    assert_eq!(&seven[..5], &hex("00 00 FF 0F F1")[..]);
    assert_eq!(&seven[seven.len() - 2..], &[0x2A, 0x00]);
}

#[test]
fn decodes_special_frames_and_skips_garbage() {
    assert_eq!(
        decode(&ACK),
        Decoded::Frame {
            consumed: 6,
            frame: Ok(Frame::Ack)
        }
    );
    assert_eq!(
        decode(&NACK),
        Decoded::Frame {
            consumed: 6,
            frame: Ok(Frame::Nack)
        }
    );
    assert_eq!(
        decode(&ERROR_FRAME),
        Decoded::Frame {
            consumed: 8,
            frame: Ok(Frame::Error)
        }
    );
    let mut buf = vec![0x55, 0x55, 0x13];
    buf.extend_from_slice(&reply(0x15, &[]));
    let Decoded::Frame { consumed, frame } = decode(&buf) else {
        panic!("no frame")
    };
    assert_eq!(consumed, buf.len());
    assert_eq!(
        frame,
        Ok(Frame::Info {
            tfi: TFI_PN532,
            data: vec![0x15]
        })
    );
    assert_eq!(decode(&[0x13, 0x00]), Decoded::NeedMore { skip: 1 });
    assert_eq!(decode(&hex("00 00 FF 02")), Decoded::NeedMore { skip: 1 });
}

#[test]
fn checksum_errors() {
    let mut f = reply(0x15, &[]);
    let n = f.len();
    f[n - 2] ^= 1;
    assert!(matches!(
        decode(&f),
        Decoded::Frame {
            frame: Err(FrameError::DataChecksum { .. }),
            ..
        }
    ));
    assert!(matches!(
        decode(&hex("00 00 FF 03 FC D5")),
        Decoded::Frame {
            frame: Err(FrameError::LengthChecksum { .. }),
            ..
        }
    ));
}

#[test]
fn extended_frames_round_trip() {
    let data = vec![0x41; 300];
    let f = build(TFI_PN532, &data);
    assert_eq!(&f[3..5], &[0xFF, 0xFF]);
    assert_eq!(
        decode(&f),
        Decoded::Frame {
            consumed: f.len(),
            frame: Ok(Frame::Info {
                tfi: TFI_PN532,
                data
            })
        }
    );
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        match decode(&bytes) {
            Decoded::Frame { consumed, .. } => prop_assert!(consumed <= bytes.len()),
            Decoded::NeedMore { skip } => prop_assert!(skip <= bytes.len()),
        }
    }
    #[test]
    fn build_decode_roundtrip(tfi in any::<u8>(), data in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assume!(!(data.is_empty() && tfi == 0x7F));
        let f = build(tfi, &data);
        prop_assert_eq!(decode(&f), Decoded::Frame { consumed: f.len(), frame: Ok(Frame::Info { tfi, data }) });
    }
}
