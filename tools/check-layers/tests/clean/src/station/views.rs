//! Read models.
#[derive(Debug)]
pub struct TokenRow;
