//! Output for people and programs: Markdown transcripts, simplified JSON, original JSON, plain
//! text tables, exported file names, Datasette's metadata, the Parquet dataset.

pub mod datasette;
pub mod escape;
pub mod image_prompt;
pub mod markdown;
pub mod names;
pub mod parquet;
pub mod schema_doc;
pub mod simple;
pub mod table;

use crate::query::conversation::{VersionMessage, VersionView};

/// Which messages of a version a transcript shows, in reading order: the current thread, or
/// every branch (depth first, siblings oldest first) with the branch structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub all_branches: bool,
    pub include_hidden: bool,
}

/// One step of a walk over the tree: a message at a nesting depth, or the start of a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Message {
        index: usize,
        depth: usize,
    },
    Branch {
        number: usize,
        of: usize,
        current: bool,
        depth: usize,
    },
}

/// The messages to show, in order, with branch markers when every branch is shown. Iterative: a
/// thread can be thousands of messages deep.
pub fn walk(view: &VersionView, sel: Selection) -> Vec<Step> {
    let shown = |m: &VersionMessage| sel.include_hidden || !m.hidden;
    if !sel.all_branches {
        return view
            .thread
            .iter()
            .filter(|&&i| shown(&view.messages[i]))
            .map(|&i| Step::Message { index: i, depth: 0 })
            .collect();
    }
    let index: std::collections::HashMap<&str, usize> = view
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); view.messages.len()];
    let mut roots = Vec::new();
    for (i, m) in view.messages.iter().enumerate() {
        match m.parent_id.as_deref().and_then(|p| index.get(p)) {
            Some(&p) if p != i => children[p].push(i),
            _ => roots.push(i),
        }
    }
    // Siblings in the order they were written (an edit or regeneration comes after the original).
    let key = |&i: &usize| {
        let m = &view.messages[i];
        (m.created_at.is_none(), m.created_at.clone(), m.position)
    };
    for c in &mut children {
        c.sort_by_key(key);
    }
    roots.sort_by_key(key);
    let mut on_thread = vec![false; view.messages.len()];
    for &i in &view.thread {
        on_thread[i] = true;
    }
    enum Item {
        Visit(usize, usize),
        Mark(Step),
    }
    let mut steps = Vec::new();
    let mut stack = Vec::new();
    let push_kids = |stack: &mut Vec<Item>, kids: &[usize], depth: usize| {
        if kids.len() == 1 {
            stack.push(Item::Visit(kids[0], depth));
            return;
        }
        for (n, &k) in kids.iter().enumerate().rev() {
            stack.push(Item::Visit(k, depth + 1));
            stack.push(Item::Mark(Step::Branch {
                number: n + 1,
                of: kids.len(),
                current: on_thread[k],
                depth: depth + 1,
            }));
        }
    };
    let mut visited = vec![false; view.messages.len()];
    push_kids(&mut stack, &roots, 0);
    let mut unreached = 0;
    loop {
        while let Some(item) = stack.pop() {
            match item {
                Item::Mark(step) => steps.push(step),
                Item::Visit(i, depth) => {
                    if std::mem::replace(&mut visited[i], true) {
                        continue;
                    }
                    if shown(&view.messages[i]) {
                        steps.push(Step::Message { index: i, depth });
                    }
                    push_kids(&mut stack, &children[i], depth);
                }
            }
        }
        // Messages whose parent links loop (broken data) hang from no root: show them last.
        match (unreached..visited.len()).find(|&i| !visited[i]) {
            Some(i) => {
                unreached = i + 1;
                stack.push(Item::Visit(i, 0));
            }
            None => break,
        }
    }
    steps
}
