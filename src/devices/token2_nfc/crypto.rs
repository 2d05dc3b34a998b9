//! SM4 constructions shared by both Token2 families (token-protocols.md §2.3, §2.6,
//! §2.7, §3.2, §3.3): ECB encryption of challenges, seeds and titles, the 4-byte
//! CBC-MAC of secure (`CLA 84`) commands, and ISO/IEC 9797-1 padding method 2.
//!
//! Pure (no I/O): used by the drivers and by the emulators, like a `protocol.rs`.
//! The block cipher is RustCrypto `sm4`; the modes are built here because the
//! tokens' MAC (class byte `80` in the MACed header, pad only when unaligned, first
//! four bytes of the last block) is not a standard mode.

use sm4::Sm4;
use sm4::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use zeroize::Zeroizing;

use crate::transport::Apdu;

/// The fixed SM4 key of every single-profile token (token-protocols.md §2.3).
pub const DEVICE_KEY: [u8; 16] = [
    0x8A, 0xD2, 0x06, 0x88, 0x3C, 0xA3, 0x69, 0x48, 0x2A, 0xB2, 0x71, 0x82, 0xB6, 0xE8, 0x32, 0x24,
];

/// SM4 block size.
pub const BLOCK: usize = 16;

/// Length of the MAC appended to secure commands.
pub const MAC_LEN: usize = 4;

/// Class byte of secure commands as transmitted.
pub const CLA_SECURE: u8 = 0x84;

/// Class byte of plain commands, and of the header inside the MAC.
pub const CLA_PLAIN: u8 = 0x80;

/// An SM4 key, wiped on drop.
#[derive(Clone)]
pub struct Sm4Key(Zeroizing<[u8; 16]>);

impl Sm4Key {
    /// Wraps 16 key bytes.
    pub fn new(bytes: [u8; 16]) -> Self {
        Sm4Key(Zeroizing::new(bytes))
    }

    /// The single-profile device key.
    pub fn device() -> Self {
        Sm4Key::new(DEVICE_KEY)
    }

    /// The key bytes (for comparisons in emulators; never log them).
    pub fn expose(&self) -> &[u8; 16] {
        &self.0
    }

    fn cipher(&self) -> Sm4 {
        Sm4::new(&Array::from(*self.0))
    }
}

impl std::fmt::Debug for Sm4Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm4Key([REDACTED])")
    }
}

impl PartialEq for Sm4Key {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.0.as_slice().ct_eq(other.0.as_slice()))
    }
}

/// SM4-ECB encryption; `data` must be a multiple of 16 bytes (else `None`).
pub fn ecb_encrypt(key: &Sm4Key, data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(BLOCK) {
        return None;
    }
    let c = key.cipher();
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(BLOCK) {
        let mut block = Array::<u8, _>::default();
        block.copy_from_slice(chunk);
        c.encrypt_block(&mut block);
        out.extend_from_slice(&block);
    }
    Some(out)
}

/// SM4-ECB decryption; `data` must be a multiple of 16 bytes (else `None`).
pub fn ecb_decrypt(key: &Sm4Key, data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if !data.len().is_multiple_of(BLOCK) {
        return None;
    }
    let c = key.cipher();
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    for chunk in data.chunks_exact(BLOCK) {
        let mut block = Array::<u8, _>::default();
        block.copy_from_slice(chunk);
        c.decrypt_block(&mut block);
        out.extend_from_slice(&block);
    }
    Some(out)
}

/// ISO/IEC 9797-1 padding method 2, always applied: `data ‖ 80 ‖ 00…` to the next
/// multiple of 16, so an aligned input gets a whole extra block (§2.7).
pub fn pad_method2(data: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(data.len() + BLOCK));
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(BLOCK) {
        out.push(0x00);
    }
    out
}

/// Removes method-2 padding: the rightmost `80` followed only by zeros. `None` when
/// there is no such marker (e.g. an aligned seed sent without the extra block).
pub fn unpad_method2(data: &[u8]) -> Option<&[u8]> {
    let end = data.iter().rposition(|&b| b != 0)?;
    (data.get(end) == Some(&0x80)).then(|| data.get(..end).unwrap_or_default())
}

/// The 4-byte MAC of a secure command: SM4-CBC (IV 0) over `80 INS P1 P2 Lc' ‖ body`,
/// where Lc' is the body length without the MAC, padded `80 00…` only when not
/// already a multiple of 16; the first four bytes of the last block (§2.3).
pub fn command_mac(key: &Sm4Key, ins: u8, p1: u8, p2: u8, body: &[u8]) -> [u8; MAC_LEN] {
    // 80 INS P1 P2 Lc' body [80 00…]
    let mut msg = Zeroizing::new(vec![CLA_PLAIN, ins, p1, p2, body.len() as u8]);
    msg.extend_from_slice(body);
    mac(key, &msg)
}

/// The 4-byte MAC of any message: `80 00…` padding only when unaligned, SM4-CBC with a
/// zero IV, first four bytes of the last block (§2.3, §3.3).
pub fn mac(key: &Sm4Key, msg: &[u8]) -> [u8; MAC_LEN] {
    let mut msg = Zeroizing::new(msg.to_vec());
    if !msg.len().is_multiple_of(BLOCK) {
        msg.push(0x80);
        while !msg.len().is_multiple_of(BLOCK) {
            msg.push(0x00);
        }
    }
    cbc_mac_last_block(key, &msg)
}

/// The first four bytes of the last SM4-CBC block (IV 0) of an aligned `msg`.
fn cbc_mac_last_block(key: &Sm4Key, msg: &[u8]) -> [u8; MAC_LEN] {
    let c = key.cipher();
    let mut chain = Array::<u8, _>::default();
    for chunk in msg.chunks(BLOCK) {
        for (x, m) in chain.iter_mut().zip(chunk) {
            *x ^= m;
        }
        c.encrypt_block(&mut chain);
    }
    let mut mac = [0u8; MAC_LEN];
    mac.copy_from_slice(chain.get(..MAC_LEN).unwrap_or(&[0; MAC_LEN]));
    mac
}

/// A secure command: `84 INS P1 P2 Lc body MAC`, MAC over the `80` header (§2.3).
pub fn secure_command(key: &Sm4Key, ins: u8, p1: u8, p2: u8, body: &[u8]) -> Apdu {
    let mac = command_mac(key, ins, p1, p2, body);
    let mut data = body.to_vec();
    data.extend_from_slice(&mac);
    // 84 INS P1 P2 Lc body(n) MAC(4)
    Apdu::new(CLA_SECURE, ins, p1, p2).data(data)
}

/// Device side: splits a secure command's data into body and MAC and checks the MAC.
/// `None` when the data is shorter than a MAC or the MAC is wrong.
pub fn verify_secure<'a>(key: &Sm4Key, apdu: &'a Apdu) -> Option<&'a [u8]> {
    use subtle::ConstantTimeEq;
    let split = apdu.data.len().checked_sub(MAC_LEN)?;
    let (body, mac) = apdu.data.split_at(split);
    let want = command_mac(key, apdu.ins, apdu.p1, apdu.p2, body);
    bool::from(want.ct_eq(mac)).then_some(body)
}

/// The answer to a challenge: SM4-ECB(key, challenge ‖ 8×00) (§2.6, §3.3).
pub fn challenge_response(key: &Sm4Key, challenge: &[u8; 8]) -> [u8; 16] {
    let mut block = Array::<u8, _>::default();
    block
        .get_mut(..8)
        .unwrap_or_default()
        .copy_from_slice(challenge);
    key.cipher().encrypt_block(&mut block);
    block.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::parse_hex;

    fn h(s: &str) -> Vec<u8> {
        parse_hex(s).unwrap()
    }

    #[test]
    fn gm_t_0002_known_answer() {
        let k: [u8; 16] = h("0123456789abcdeffedcba9876543210").try_into().unwrap();
        let key = Sm4Key::new(k);
        let ct = ecb_encrypt(&key, &k).unwrap();
        assert_eq!(ct, h("681edf34d206965e86b3e94f536e4246"));
        assert_eq!(ecb_decrypt(&key, &ct).unwrap().as_slice(), &k);
    }

    #[test]
    fn challenge_response_vector_2_11() {
        let r = challenge_response(
            &Sm4Key::device(),
            &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88],
        );
        assert_eq!(r.to_vec(), h("8B7450F22721BC29985C2C460B65045D"));
    }

    #[test]
    fn padding_method_2() {
        assert_eq!(pad_method2(&[1; 20]).len(), 32);
        assert_eq!(pad_method2(&[1; 16]).len(), 32);
        assert_eq!(pad_method2(&[1; 32]).len(), 48);
        assert_eq!(pad_method2(&[]).as_slice(), &{
            let mut b = [0u8; 16];
            b[0] = 0x80;
            b
        });
        assert_eq!(
            unpad_method2(&pad_method2(&[0, 0, 7, 0])),
            Some(&[0, 0, 7, 0][..])
        );
        assert_eq!(unpad_method2(&[1; 16]), None);
        assert_eq!(unpad_method2(&[0; 16]), None);
    }

    #[test]
    fn pad_only_block_encrypts_to_the_known_block() {
        let ct = ecb_encrypt(&Sm4Key::device(), &pad_method2(&[])).unwrap();
        assert_eq!(ct, h("D219EFC9972FED9191DF027FD36A80B0"));
    }

    #[test]
    fn secure_command_round_trips_through_verify() {
        let key = Sm4Key::device();
        let cmd = secure_command(&key, 0xD4, 0, 0, &[1, 2, 3]);
        assert_eq!(verify_secure(&key, &cmd), Some(&[1, 2, 3][..]));
        let mut bad = cmd.clone();
        if let Some(b) = bad.data.last_mut() {
            *b ^= 1;
        }
        assert_eq!(verify_secure(&key, &bad), None);
        let other = Sm4Key::new([0; 16]);
        assert_eq!(verify_secure(&other, &cmd), None);
    }

    proptest::proptest! {
        #[test]
        fn unpad_never_panics_and_inverts_pad(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)) {
            let _ = unpad_method2(&data);
            let padded = pad_method2(&data);
            proptest::prop_assert_eq!(unpad_method2(&padded), Some(data.as_slice()));
        }
    }
}
