//! The YubiKey access code (token-protocols.md §4.3 VALIDATE, SET CODE, access key
//! derivation): PBKDF2 key, HMAC-SHA1 challenge-response frames.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use zeroize::Zeroizing;

use super::{TYPE_TOTP, ins, parse_tlvs, push_tlv, tag};
use crate::transport::Apdu;

/// HMAC-SHA1 (VALIDATE and SET CODE responses).
pub fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    // HMAC takes keys of any length (RFC 2104 §3): the error branch cannot happen.
    let Ok(mut m) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        return [0; 20];
    };
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// The access key: PBKDF2-HMAC-SHA1(password, salt, 1000 iterations, 16 bytes) (§4.3).
pub fn derive_key(password: &str, salt: &[u8]) -> Zeroizing<[u8; 16]> {
    let mut key = Zeroizing::new([0u8; 16]);
    pbkdf2::pbkdf2_hmac::<Sha1>(password.as_bytes(), salt, 1000, key.as_mut());
    key
}

/// VALIDATE `00 A3 00 00 | 75 14 HMAC(key, select_challenge) | 74 08 host_challenge`.
pub fn validate(response: &[u8; 20], host_challenge: &[u8; 8]) -> Apdu {
    let mut body = Vec::new();
    push_tlv(&mut body, tag::RESPONSE, response);
    push_tlv(&mut body, tag::CHALLENGE, host_challenge);
    Apdu::new(0x00, ins::VALIDATE, 0x00, 0x00).data(body)
}

/// The `75 14` value of a VALIDATE answer.
pub fn parse_validate(data: &[u8]) -> Result<Vec<u8>, String> {
    parse_tlvs(data, false)?
        .into_iter()
        .find(|(t, _)| *t == tag::RESPONSE)
        .map(|(_, v)| v.to_vec())
        .ok_or_else(|| "no response tag 75".into())
}

/// SET CODE, sensitive: `00 03 00 00 | 73 11 21 key[16] | 74 08 chal | 75 14 HMAC(key, chal)`.
pub fn set_code(key: &[u8; 16], challenge: &[u8; 8]) -> Apdu {
    let mut body = Vec::new();
    let mut k = Zeroizing::new(vec![TYPE_TOTP | 0x01]);
    k.extend_from_slice(key);
    push_tlv(&mut body, tag::KEY, &k);
    push_tlv(&mut body, tag::CHALLENGE, challenge);
    push_tlv(&mut body, tag::RESPONSE, &hmac_sha1(key, challenge));
    let apdu = Apdu::new(0x00, ins::SET_CODE, 0x00, 0x00)
        .data(body.clone())
        .sensitive();
    zeroize::Zeroize::zeroize(&mut body);
    apdu
}

/// SET CODE with an empty key, removing the access code: `00 03 00 00 02 73 00`.
pub fn unset_code() -> Apdu {
    Apdu::new(0x00, ins::SET_CODE, 0x00, 0x00).data([tag::KEY, 0x00])
}
