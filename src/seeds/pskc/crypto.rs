//! The cryptography of PSKC encryption (RFC 6030 §6): AES-CBC of XML Encryption
//! (§5.2.1 of xmlenc-core, IV in front of the ciphertext, pad length in the last byte),
//! AES key wrap (RFC 3394, xmlenc `kw-aes*`), the per-value HMAC (`ValueMAC`, RFC 6030
//! §6.1.1) and PBKDF2 key derivation (RFC 6030 §6.2, RFC 8018 §5.2).

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// xmlenc AES-128-CBC, the algorithm RFC 6030 §6.1 makes mandatory.
pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
/// HMAC-SHA1 of XML-DSig, the MAC of RFC 6030 §6.1.1.
pub const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
/// PBKDF2 of PKCS #5 v2.0 as RFC 6030 §6.2 names it.
pub const PBKDF2: &str = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2";

/// A symmetric cipher named by an xmlenc `EncryptionMethod@Algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    /// AES-CBC with a 16-, 24- or 32-byte key.
    AesCbc(usize),
    /// AES key wrap (RFC 3394) with a 16-, 24- or 32-byte key.
    AesKw(usize),
}

/// Why a cipher name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CipherRefusal {
    /// RSA and other public-key transport.
    Asymmetric,
    /// A symmetric algorithm this importer does not implement (3DES, Camellia, …).
    Unsupported,
}

impl Cipher {
    /// Classifies an `EncryptionMethod@Algorithm` URI by its fragment.
    pub fn from_uri(uri: &str) -> Result<Cipher, CipherRefusal> {
        let frag = uri.rsplit('#').next().unwrap_or(uri).to_ascii_lowercase();
        match frag.as_str() {
            "aes128-cbc" => Ok(Cipher::AesCbc(16)),
            "aes192-cbc" => Ok(Cipher::AesCbc(24)),
            "aes256-cbc" => Ok(Cipher::AesCbc(32)),
            "kw-aes128" => Ok(Cipher::AesKw(16)),
            "kw-aes192" => Ok(Cipher::AesKw(24)),
            "kw-aes256" => Ok(Cipher::AesKw(32)),
            f if f.starts_with("rsa") => Err(CipherRefusal::Asymmetric),
            _ => Err(CipherRefusal::Unsupported),
        }
    }

    /// The key length the cipher needs.
    pub fn key_len(self) -> usize {
        match self {
            Cipher::AesCbc(n) | Cipher::AesKw(n) => n,
        }
    }
}

/// Why a decryption failed: both mean "wrong key" when the MAC passed or is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptError {
    /// The key is not of the cipher's length.
    KeyLength,
    /// The ciphertext is not whole blocks, or shorter than IV plus one block.
    Length,
    /// The padding (CBC) or integrity check value (key wrap) is wrong.
    Padding,
}

/// A decrypted value and whether its CBC padding was strict PKCS #7 (all pad bytes
/// equal to the pad length), which random garbage from a wrong key almost never is.
pub struct Plain {
    /// The plaintext.
    pub bytes: Zeroizing<Vec<u8>>,
    /// True for strict PKCS #7 padding or a verified key-wrap check value.
    pub strict: bool,
}

/// Decrypts `data` (IV ‖ ciphertext for CBC; the wrapped key for key wrap).
pub fn decrypt(cipher: Cipher, key: &[u8], data: &[u8]) -> Result<Plain, DecryptError> {
    if key.len() != cipher.key_len() {
        return Err(DecryptError::KeyLength);
    }
    match cipher {
        Cipher::AesCbc(_) => cbc_decrypt(key, data),
        Cipher::AesKw(_) => kw_unwrap(key, data).map(|bytes| Plain {
            bytes,
            strict: true,
        }),
    }
}

fn cbc_decrypt(key: &[u8], data: &[u8]) -> Result<Plain, DecryptError> {
    if data.len() < 32 || !data.len().is_multiple_of(16) {
        return Err(DecryptError::Length);
    }
    let (iv, body) = data.split_at(16);
    let mut buf = Zeroizing::new(body.to_vec());
    let res = match key.len() {
        16 => cbc::Decryptor::<Aes128>::new_from_slices(key, iv)
            .map(|d| d.decrypt_padded::<NoPadding>(&mut buf).map(|p| p.len())),
        24 => cbc::Decryptor::<Aes192>::new_from_slices(key, iv)
            .map(|d| d.decrypt_padded::<NoPadding>(&mut buf).map(|p| p.len())),
        _ => cbc::Decryptor::<Aes256>::new_from_slices(key, iv)
            .map(|d| d.decrypt_padded::<NoPadding>(&mut buf).map(|p| p.len())),
    };
    match res {
        Ok(Ok(_)) => {}
        Ok(Err(_)) => return Err(DecryptError::Length),
        Err(_) => return Err(DecryptError::KeyLength),
    }
    // xmlenc-core §5.2: the last byte is the pad length (1..=16); the other pad bytes
    // are arbitrary, so check them only to judge how likely the key was right.
    let n = usize::from(buf.last().copied().unwrap_or(0));
    if n == 0 || n > 16 || n > buf.len() {
        return Err(DecryptError::Padding);
    }
    let cut = buf.len() - n;
    let strict = buf[cut..].iter().all(|&b| usize::from(b) == n);
    buf.truncate(cut);
    Ok(Plain { bytes: buf, strict })
}

/// Encrypts with AES-CBC under `key` (16, 24 or 32 bytes), returning IV ‖ ciphertext
/// with PKCS #7 padding (a valid xmlenc padding).
pub fn cbc_encrypt(key: &[u8], iv: &[u8; 16], plain: &[u8]) -> Result<Vec<u8>, DecryptError> {
    let body = match key.len() {
        16 => cbc::Encryptor::<Aes128>::new_from_slices(key, iv)
            .map(|e| e.encrypt_padded_vec::<Pkcs7>(plain)),
        24 => cbc::Encryptor::<Aes192>::new_from_slices(key, iv)
            .map(|e| e.encrypt_padded_vec::<Pkcs7>(plain)),
        32 => cbc::Encryptor::<Aes256>::new_from_slices(key, iv)
            .map(|e| e.encrypt_padded_vec::<Pkcs7>(plain)),
        _ => return Err(DecryptError::KeyLength),
    }
    .map_err(|_| DecryptError::KeyLength)?;
    let mut out = Vec::with_capacity(16 + body.len());
    out.extend_from_slice(iv);
    out.extend_from_slice(&body);
    Ok(out)
}

/// The default initial value of RFC 3394 §2.2.3.1.
const KW_IV: [u8; 8] = [0xA6; 8];

/// RFC 3394 §2.2.2 key unwrap (index-based form), also accepting the padded variant
/// of RFC 5649 (alternative IV `A65959A6` ‖ length), which python-pskc writes for
/// values that are not whole 8-byte blocks.
fn kw_unwrap(kek: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    if data.len() < 16 || !data.len().is_multiple_of(8) {
        return Err(DecryptError::Length);
    }
    let mut a = [0u8; 8];
    let mut r;
    if data.len() == 16 {
        // RFC 5649 §4.2: a single block is plain AES.
        let mut block = Zeroizing::new([0u8; 16]);
        block.copy_from_slice(data);
        aes_block(kek, &mut block, false)?;
        a.copy_from_slice(&block[..8]);
        r = Zeroizing::new(block[8..].to_vec());
    } else {
        let n = data.len() / 8 - 1;
        a.copy_from_slice(&data[..8]);
        r = Zeroizing::new(data[8..].to_vec());
        let mut block = Zeroizing::new([0u8; 16]);
        for j in (0..6).rev() {
            for i in (1..=n).rev() {
                let t = (n * j + i) as u64;
                for (x, y) in a.iter_mut().zip(t.to_be_bytes()) {
                    *x ^= y;
                }
                block[..8].copy_from_slice(&a);
                block[8..].copy_from_slice(&r[(i - 1) * 8..i * 8]);
                aes_block(kek, &mut block, false)?;
                a.copy_from_slice(&block[..8]);
                r[(i - 1) * 8..i * 8].copy_from_slice(&block[8..]);
            }
        }
        if data.len() > 16 && bool::from(a.ct_eq(&KW_IV)) {
            return Ok(r);
        }
    }
    // RFC 5649 §3: A = A65959A6 ‖ 32-bit message length, zero padding after it.
    if a[..4] != [0xA6, 0x59, 0x59, 0xA6] {
        return Err(DecryptError::Padding);
    }
    let mli = u32::from_be_bytes([a[4], a[5], a[6], a[7]]) as usize;
    if mli == 0 || mli > r.len() || r.len() - mli >= 8 || r[mli..].iter().any(|&b| b != 0) {
        return Err(DecryptError::Padding);
    }
    r.truncate(mli);
    Ok(r)
}

/// RFC 3394 §2.2.1 key wrap (index-based form); tests build key-wrap files with it.
#[cfg(test)]
pub fn kw_wrap(kek: &[u8], plain: &[u8]) -> Result<Vec<u8>, DecryptError> {
    if plain.len() < 16 || !plain.len().is_multiple_of(8) {
        return Err(DecryptError::Length);
    }
    let n = plain.len() / 8;
    let mut a = KW_IV;
    let mut r = Zeroizing::new(plain.to_vec());
    let mut block = Zeroizing::new([0u8; 16]);
    for j in 0..6 {
        for i in 1..=n {
            block[..8].copy_from_slice(&a);
            block[8..].copy_from_slice(&r[(i - 1) * 8..i * 8]);
            aes_block(kek, &mut block, true)?;
            let t = (n * j + i) as u64;
            a.copy_from_slice(&block[..8]);
            for (x, y) in a.iter_mut().zip(t.to_be_bytes()) {
                *x ^= y;
            }
            r[(i - 1) * 8..i * 8].copy_from_slice(&block[8..]);
        }
    }
    let mut out = a.to_vec();
    out.extend_from_slice(&r);
    Ok(out)
}

fn aes_block(key: &[u8], block: &mut [u8; 16], encrypt: bool) -> Result<(), DecryptError> {
    let b = block.into();
    match (key.len(), encrypt) {
        (16, true) => Aes128::new_from_slice(key).map(|c| c.encrypt_block(b)),
        (16, false) => Aes128::new_from_slice(key).map(|c| c.decrypt_block(b)),
        (24, true) => Aes192::new_from_slice(key).map(|c| c.encrypt_block(b)),
        (24, false) => Aes192::new_from_slice(key).map(|c| c.decrypt_block(b)),
        (32, true) => Aes256::new_from_slice(key).map(|c| c.encrypt_block(b)),
        (32, false) => Aes256::new_from_slice(key).map(|c| c.decrypt_block(b)),
        _ => return Err(DecryptError::KeyLength),
    }
    .map_err(|_| DecryptError::KeyLength)
}

/// An HMAC named by a `MACMethod@Algorithm` URI (XML-DSig and RFC 4051 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacAlgorithm {
    /// HMAC-SHA1, RFC 6030's default.
    Sha1,
    /// HMAC-SHA224.
    Sha224,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
    /// HMAC-SHA512.
    Sha512,
}

impl MacAlgorithm {
    /// Classifies a MAC or PRF URI by its fragment (`hmac-sha1`, `hmac-sha256`, …).
    pub fn from_uri(uri: &str) -> Option<MacAlgorithm> {
        let frag = uri.rsplit('#').next().unwrap_or(uri).to_ascii_lowercase();
        match frag.as_str() {
            "hmac-sha1" => Some(MacAlgorithm::Sha1),
            "hmac-sha224" => Some(MacAlgorithm::Sha224),
            "hmac-sha256" => Some(MacAlgorithm::Sha256),
            "hmac-sha384" => Some(MacAlgorithm::Sha384),
            "hmac-sha512" => Some(MacAlgorithm::Sha512),
            _ => None,
        }
    }

    /// HMAC of `data` under `key`.
    pub fn mac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC takes keys of every length (RFC 2104 §3), so this never fails.
            match <M as hmac::KeyInit>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(data);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            MacAlgorithm::Sha1 => run::<Hmac<Sha1>>(key, data),
            MacAlgorithm::Sha224 => run::<Hmac<Sha224>>(key, data),
            MacAlgorithm::Sha256 => run::<Hmac<Sha256>>(key, data),
            MacAlgorithm::Sha384 => run::<Hmac<Sha384>>(key, data),
            MacAlgorithm::Sha512 => run::<Hmac<Sha512>>(key, data),
        }
    }

    /// Checks a MAC in constant time. An empty expected value never matches.
    pub fn verify(self, key: &[u8], data: &[u8], expected: &[u8]) -> bool {
        let got = self.mac(key, data);
        !expected.is_empty() && got.len() == expected.len() && bool::from(got.ct_eq(expected))
    }

    /// PBKDF2 (RFC 8018 §5.2) with this HMAC as PRF.
    pub fn pbkdf2(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
        match self {
            MacAlgorithm::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
            MacAlgorithm::Sha224 => pbkdf2::pbkdf2_hmac::<Sha224>(password, salt, rounds, out),
            MacAlgorithm::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
            MacAlgorithm::Sha384 => pbkdf2::pbkdf2_hmac::<Sha384>(password, salt, rounds, out),
            MacAlgorithm::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use data_encoding::{BASE64, HEXLOWER};

    fn hex(s: &str) -> Vec<u8> {
        HEXLOWER.decode(s.to_lowercase().as_bytes()).unwrap()
    }

    #[test]
    fn rfc6030_figure6_mac_key_and_secret() {
        let key = hex("12345678901234567890123456789012");
        let mac_key = BASE64
            .decode(b"ESIzRFVmd4iZABEiM0RVZgKn6WjLaTC1sbeBMSvIhRejN9vJa2BOlSaMrR7I5wSX")
            .unwrap();
        let p = decrypt(Cipher::AesCbc(16), &key, &mac_key).unwrap();
        assert_eq!(*p.bytes, hex("1122334455667788990011223344556677889900"));
        assert!(p.strict);
        let ct = BASE64
            .decode(b"AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv")
            .unwrap();
        let s = decrypt(Cipher::AesCbc(16), &key, &ct).unwrap();
        assert_eq!(*s.bytes, b"12345678901234567890");
        let mac = BASE64.decode(b"Su+NvtQfmvfJzF6bmQiJqoLRExc=").unwrap();
        assert!(MacAlgorithm::Sha1.verify(&p.bytes, &ct, &mac));
        assert!(!MacAlgorithm::Sha1.verify(&p.bytes, &ct[1..], &mac));
        assert!(!MacAlgorithm::Sha1.verify(&p.bytes, &ct, &[]));
    }

    #[test]
    fn rfc6030_figure7_pbkdf2() {
        let salt = BASE64.decode(b"Ej7/PEpyEpw=").unwrap();
        let mut k = [0u8; 16];
        MacAlgorithm::Sha1.pbkdf2(b"qwerty", &salt, 1000, &mut k);
        assert_eq!(k.to_vec(), hex("651e63cd57008476af1ff6422cd02e41"));
    }

    #[test]
    fn rfc3394_section_4_1_vector() {
        let kek = hex("000102030405060708090A0B0C0D0E0F");
        let plain = hex("00112233445566778899AABBCCDDEEFF");
        let wrapped = kw_wrap(&kek, &plain).unwrap();
        assert_eq!(
            wrapped,
            hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
        );
        let back = decrypt(Cipher::AesKw(16), &kek, &wrapped).unwrap();
        assert_eq!(*back.bytes, plain);
        let mut bad = wrapped.clone();
        bad[3] ^= 1;
        assert_eq!(
            decrypt(Cipher::AesKw(16), &kek, &bad).err(),
            Some(DecryptError::Padding)
        );
    }

    #[test]
    fn cbc_round_trip_and_refusals() {
        for len in [16, 24, 32] {
            let key = vec![7u8; len];
            let ct = cbc_encrypt(&key, &[9; 16], b"twenty bytes of key!").unwrap();
            assert_eq!(ct.len(), 48);
            let p = decrypt(Cipher::AesCbc(len), &key, &ct).unwrap();
            assert_eq!(*p.bytes, b"twenty bytes of key!");
            assert!(p.strict);
        }
        assert_eq!(
            decrypt(Cipher::AesCbc(16), &[0; 24], &[0; 32]).err(),
            Some(DecryptError::KeyLength)
        );
        assert_eq!(
            decrypt(Cipher::AesCbc(16), &[0; 16], &[0; 31]).err(),
            Some(DecryptError::Length)
        );
        assert_eq!(
            Cipher::from_uri("http://www.w3.org/2001/04/xmlenc#rsa-1_5"),
            Err(CipherRefusal::Asymmetric)
        );
        assert_eq!(
            Cipher::from_uri("http://www.w3.org/2001/04/xmlenc#tripledes-cbc"),
            Err(CipherRefusal::Unsupported)
        );
    }
}
