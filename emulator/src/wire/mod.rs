//! The AWS protocol as connect-local speaks it: SigV4 verification ([`sigv4`]), the steps every
//! signed call takes ([`signed`]), the service models and validation against them ([`model`],
//! [`validate`]), restJson1 errors ([`errors`]) and injected faults ([`faults`]).

pub mod errors;
pub mod faults;
pub mod model;
pub mod signed;
pub mod sigv4;
pub mod validate;
