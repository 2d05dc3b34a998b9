//! TOTP time steps of RFC 6238 §4.2: `T = floor((now - T0) / X)`, 64-bit so that
//! dates after 2038 (and after 2106) work.

use super::{OtpError, OtpKey, OtpParams, Secret};

/// The time step containing `unix` seconds, or `None` before T0.
pub fn time_step(unix: i64, period: u32, t0: i64) -> Option<u64> {
    if period == 0 || unix < t0 {
        return None;
    }
    let elapsed = i128::from(unix) - i128::from(t0);
    u64::try_from(elapsed / i128::from(period)).ok()
}

/// The first second of a time step.
pub fn step_start(step: u64, period: u32, t0: i64) -> i64 {
    let start = i128::from(t0) + i128::from(step) * i128::from(period);
    i64::try_from(start).unwrap_or(i64::MAX)
}

/// The TOTP code at `unix` seconds for a seed and its parameters.
pub fn totp(secret: &Secret, params: &OtpParams, unix: i64) -> Result<String, OtpError> {
    let step = time_step(unix, params.period, params.t0).ok_or_else(|| {
        OtpError::invalid(
            "time",
            format!(
                "{unix} is before the token's T0 ({}) or the period is 0",
                params.t0
            ),
        )
    })?;
    Ok(OtpKey::new(params.algorithm, secret).code_string(step, params.digits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::{Algorithm, Digits, Kind};

    fn seed(alg: Algorithm) -> Secret {
        // RFC 6238 App. B uses a seed per hash (the erratum noted in the research).
        let s: &[u8] = match alg {
            Algorithm::Sha1 => b"12345678901234567890",
            Algorithm::Sha256 => b"12345678901234567890123456789012",
            Algorithm::Sha512 => {
                b"1234567890123456789012345678901234567890123456789012345678901234"
            }
        };
        Secret::from_slice(s)
    }

    /// RFC 6238 Appendix B: time, T, SHA1, SHA256, SHA512 (8 digits, X = 30, T0 = 0).
    const APPENDIX_B: &[(i64, u64, &str, &str, &str)] = &[
        (59, 0x1, "94287082", "46119246", "90693936"),
        (1111111109, 0x23523EC, "07081804", "68084774", "25091201"),
        (1111111111, 0x23523ED, "14050471", "67062674", "99943326"),
        (1234567890, 0x273EF07, "89005924", "91819424", "93441116"),
        (2000000000, 0x3F940AA, "69279037", "90698825", "38618901"),
        (20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"),
    ];

    #[test]
    fn rfc6238_appendix_b() {
        for &(time, t, sha1, sha256, sha512) in APPENDIX_B {
            assert_eq!(time_step(time, 30, 0), Some(t));
            for (alg, want) in [
                (Algorithm::Sha1, sha1),
                (Algorithm::Sha256, sha256),
                (Algorithm::Sha512, sha512),
            ] {
                let params = OtpParams {
                    kind: Kind::Totp,
                    algorithm: alg,
                    digits: Digits::EIGHT,
                    period: 30,
                    t0: 0,
                };
                assert_eq!(
                    totp(&seed(alg), &params, time).unwrap(),
                    want,
                    "{alg} at {time}"
                );
            }
        }
    }

    #[test]
    fn erratum_twenty_byte_seed_differs() {
        let params = OtpParams {
            algorithm: Algorithm::Sha256,
            digits: Digits::EIGHT,
            ..OtpParams::default()
        };
        let short = Secret::from_slice(b"12345678901234567890");
        assert_eq!(totp(&short, &params, 59).unwrap(), "32247374");
        let params = OtpParams {
            algorithm: Algorithm::Sha512,
            ..params
        };
        assert_eq!(totp(&short, &params, 59).unwrap(), "69342147");
    }

    #[test]
    fn oathtool_totp_now() {
        // oathtool --totp --now "2008-04-23 17:42:17 UTC" 00 -> 974945
        let p = OtpParams::default();
        assert_eq!(
            totp(&Secret::from_slice(&[0]), &p, 1208972537).unwrap(),
            "974945"
        );
    }

    #[test]
    fn steps_are_64_bit_and_respect_t0() {
        assert_eq!(time_step(i64::MAX, 1, 0), Some(i64::MAX as u64));
        assert_eq!(time_step(99, 30, 100), None);
        assert_eq!(time_step(160, 30, 100), Some(2));
        assert_eq!(step_start(2, 30, 100), 160);
        assert_eq!(time_step(5, 0, 0), None);
    }
}
