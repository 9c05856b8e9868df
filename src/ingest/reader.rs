//! The reader thread of an ingest: the whole reading of the export (`source::read_export`) runs
//! on it, at most `ITEM_BYTES_AHEAD` bytes ahead of the writer, so memory stays bounded by a few
//! times the largest conversation whatever the export's size.

use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::source::budget::{Budget, Closer};
use crate::source::{read_export, Export, Item, Layout, ReadContext};

/// Bytes of parsed conversations (and files) the reader may run ahead of the writer. Memory, not
/// speed: a deeper queue measured no faster.
const ITEM_BYTES_AHEAD: usize = 2 << 20;

/// Roughly the memory an item holds, for the reader's budget.
fn weight(item: &Item) -> usize {
    match item {
        Item::Conversation(c) => {
            let nodes: usize = c
                .nodes
                .iter()
                .map(|n| {
                    let m = n.message.as_ref().map_or(0, |m| m.raw.len() + m.text.len());
                    n.json.len() + n.node_json.len() + m + 256
                })
                .sum();
            c.envelope.len() + nodes
        }
        Item::Known(_) => 256,
        Item::File(f) => f.data.as_ref().map_or(0, Vec::len) + 256,
        Item::Chunk { data, .. } => data.len(),
        Item::Records(records) => records.iter().map(|r| r.raw.len() + 256).sum(),
        Item::Project(p) => {
            let docs: usize = p.docs.iter().map(|d| 2 * d.json.len() + 256).sum();
            p.envelope.len() + docs
        }
        Item::Memory(m) => m.raw.len() + 256,
    }
}

/// The running reader. Dropping it (whichever way the writer stops) releases the thread.
pub struct Reader {
    items: mpsc::Receiver<Result<(Item, usize)>>,
    budget: Arc<Budget>,
    thread: JoinHandle<()>,
    _closer: Closer,
}

impl Reader {
    /// Starts reading `export` on a thread of its own.
    pub fn spawn(mut export: Export, layout: Layout, mut ctx: ReadContext) -> Reader {
        // The budget bounds the bytes ahead; the channel only needs room for them.
        let (sender, items) = mpsc::sync_channel::<Result<(Item, usize)>>(64);
        let budget = Budget::new(ITEM_BYTES_AHEAD);
        let closer = budget.closer();
        let thread = {
            let budget = budget.clone();
            std::thread::spawn(move || {
                let mut sink = |item| {
                    let bytes = weight(&item);
                    budget.take(bytes) && sender.send(Ok((item, bytes))).is_ok()
                };
                if let Err(e) = read_export(&mut export, &layout, &mut ctx, &mut sink) {
                    let _ = sender.send(Err(e));
                }
            })
        };
        Reader {
            items,
            budget,
            thread,
            _closer: closer,
        }
    }

    /// The next item, or None once the whole export has been read.
    pub fn next(&mut self) -> Option<Result<Item>> {
        let (item, bytes) = match self.items.recv().ok()? {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        // Counted from here as the one item the writer holds.
        self.budget.give_back(bytes);
        Some(Ok(item))
    }

    /// Stops the reader (wherever it waits) and waits for its thread to end. A reader that
    /// panicked is an error: what it sent cannot be taken for the whole export.
    pub fn finish(self) -> Result<()> {
        let Reader {
            items,
            budget,
            thread,
            _closer,
        } = self;
        drop(items);
        budget.close(); // a reader waiting for room stops, rather than being waited for forever
        thread
            .join()
            .map_err(|_| Error::Internal("the thread reading the export panicked".into()))
    }
}
