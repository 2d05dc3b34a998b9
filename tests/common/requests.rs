//! Seed-write requests for driver tests.

use tokenstation::devices::ProgramRequest;
use tokenstation::otp::{OtpParams, Secret};

/// A request to write `secret` under `name` into `slot` with `params`: counter 0, no
/// touch, no overwrite (tests change those fields where they need to).
pub fn program_request<'a>(
    slot: Option<u16>,
    name: &'a str,
    secret: &'a Secret,
    params: OtpParams,
) -> ProgramRequest<'a> {
    ProgramRequest {
        slot,
        name,
        secret,
        params,
        counter: 0,
        touch: false,
        overwrite: false,
    }
}
