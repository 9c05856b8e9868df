//! One conversation object, read by its provider's reader.

use super::element::ElementError;
use super::item::Item;
use super::{chatgpt, claude};
use crate::model::{Conversation, KnownVersions, Provider};

/// Reads one conversation of the given provider, stopping after its hash when `known` holds it:
/// an `Item::Conversation` or an `Item::Known`.
pub fn read(
    provider: Provider,
    bytes: &[u8],
    index: usize,
    known: &KnownVersions,
) -> Result<Item, ElementError> {
    match provider {
        Provider::Chatgpt => chatgpt::read(bytes, index, known),
        Provider::Claude => {
            read_conversation(provider, bytes, index).map(|c| Item::Conversation(Box::new(c)))
        }
    }
}

/// Reads one conversation object of the given provider (also used to read back a version
/// rebuilt from the archive).
pub fn read_conversation(
    provider: Provider,
    bytes: &[u8],
    index: usize,
) -> Result<Conversation, ElementError> {
    match provider {
        Provider::Chatgpt => chatgpt::read_conversation(bytes, index),
        Provider::Claude => claude::read_conversation(bytes, index),
    }
}
