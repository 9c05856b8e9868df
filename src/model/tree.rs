//! The message tree: parent links to nearest message ancestors and the thread a reader sees.
//! Walked iteratively (a thread can be thousands of nodes deep) and safe against cycles and
//! links to nodes that do not exist, which real exports occasionally contain.

use std::collections::HashMap;

use super::Node;

/// What the tree walk learned about one conversation's nodes.
#[derive(Debug, Default, PartialEq)]
pub struct TreeInfo {
    /// For each node (by index): the nearest ancestor that has a message, by node id.
    pub message_parent: Vec<Option<String>>,
    /// Node indexes from the root to the current node, message nodes only.
    pub thread: Vec<usize>,
    pub problems: Vec<String>,
}

pub fn analyze(nodes: &[Node], current_node: Option<&str>) -> TreeInfo {
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    let parent_of: Vec<Option<usize>> = nodes
        .iter()
        .map(|n| {
            let p = n.parent.as_deref()?;
            // Some exports write parent ids in another case than the keys they point at.
            let found = index
                .get(p)
                .copied()
                .or_else(|| index.get(p.to_ascii_lowercase().as_str()).copied());
            if found.is_none() {
                problems.push(format!("node {} points to missing parent {}", n.id, p));
            }
            found
        })
        .collect();

    // Nearest message ancestor, memoised; a walk that revisits a node is a cycle.
    const UNKNOWN: usize = usize::MAX;
    const NONE: usize = usize::MAX - 1;
    let mut nearest = vec![UNKNOWN; nodes.len()];
    let mut in_cycle = vec![false; nodes.len()];
    let mut stamp = vec![usize::MAX; nodes.len()]; // which walk last passed each node
    let mut path = Vec::new();
    for start in 0..nodes.len() {
        path.clear();
        let mut cur = parent_of[start];
        let mut answer = NONE;
        while let Some(p) = cur {
            if nearest[p] != UNKNOWN && nodes[p].message.is_none() {
                answer = nearest[p];
                break;
            }
            if nodes[p].message.is_some() {
                answer = p;
                break;
            }
            if stamp[p] == start || p == start {
                if !in_cycle[p] {
                    problems.push(format!(
                        "parent links form a cycle through node {}",
                        nodes[p].id
                    ));
                    in_cycle[p] = true;
                }
                break;
            }
            stamp[p] = start;
            path.push(p);
            cur = parent_of[p];
        }
        for &p in &path {
            nearest[p] = answer;
        }
        nearest[start] = answer;
        // A message node's own cycle (a -> b -> a with both messages) shows up in the thread walk.
    }
    let message_parent = nearest
        .iter()
        .map(|&n| (n < NONE).then(|| nodes[n].id.clone()))
        .collect();

    let end = current_node
        .and_then(|c| index.get(c).copied())
        .or_else(|| latest_leaf(nodes, &parent_of));
    if let (Some(c), None) = (current_node, current_node.and_then(|c| index.get(c))) {
        problems.push(format!(
            "current node {c} is not in the mapping; showing the latest leaf"
        ));
    }
    let mut thread = Vec::new();
    let mut seen = vec![false; nodes.len()];
    let mut cur = end;
    while let Some(i) = cur {
        if seen[i] {
            problems.push(format!(
                "parent links form a cycle: the current thread loops at node {}",
                nodes[i].id
            ));
            break;
        }
        seen[i] = true;
        if nodes[i].message.is_some() {
            thread.push(i);
        }
        cur = parent_of[i];
    }
    thread.reverse();
    problems.sort();
    problems.dedup();
    TreeInfo {
        message_parent,
        thread,
        problems,
    }
}

/// The leaf whose message is newest (ties: the later node in export order). Used when the
/// export does not say which branch is current.
pub fn latest_leaf(nodes: &[Node], parent_of: &[Option<usize>]) -> Option<usize> {
    let mut has_child = vec![false; nodes.len()];
    for p in parent_of.iter().flatten() {
        has_child[*p] = true;
    }
    (0..nodes.len())
        .filter(|&i| !has_child[i])
        .max_by(|&a, &b| {
            let ta = nodes[a]
                .message
                .as_ref()
                .and_then(|m| m.created_at.as_deref());
            let tb = nodes[b]
                .message
                .as_ref()
                .and_then(|m| m.created_at.as_deref());
            ta.cmp(&tb).then(a.cmp(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Message;

    fn node(id: &str, parent: Option<&str>, msg: bool) -> Node {
        Node {
            id: id.into(),
            parent: parent.map(Into::into),
            json: String::new(),
            sha256: String::new(),
            node_json: String::new(),
            message_sha256: None,
            message: msg.then(Message::default),
        }
    }

    #[test]
    fn thread_follows_current_node_and_skips_empty_nodes() {
        let nodes = vec![
            node("b2", Some("a"), true),
            node("root", None, false),
            node("a", Some("root"), true),
            node("b1", Some("a"), true),
            node("gap", Some("b1"), false),
            node("c", Some("gap"), true),
        ];
        let info = analyze(&nodes, Some("c"));
        assert_eq!(info.thread, vec![2, 3, 5]);
        assert_eq!(info.message_parent[5].as_deref(), Some("b1"));
        assert_eq!(info.message_parent[2], None);
        assert!(info.problems.is_empty());
    }

    #[test]
    fn missing_current_node_falls_back_to_latest_leaf() {
        let nodes = vec![
            node("r", None, true),
            node("x", Some("r"), true),
            node("y", Some("r"), true),
        ];
        let info = analyze(&nodes, Some("nope"));
        assert_eq!(info.thread, vec![0, 2]);
        assert_eq!(info.problems.len(), 1);
    }

    #[test]
    fn cycles_and_dangling_parents_are_reported_not_fatal() {
        let nodes = vec![
            node("a", Some("b"), true),
            node("b", Some("a"), true),
            node("c", Some("zz"), true),
        ];
        let info = analyze(&nodes, Some("a"));
        assert!(info
            .problems
            .iter()
            .any(|p| p.contains("missing parent zz")));
        assert!(info.problems.iter().any(|p| p.contains("loops")));
        assert_eq!(info.thread.len(), 2);
    }

    #[test]
    fn deep_threads_do_not_recurse() {
        let mut nodes = vec![node("n0", None, true)];
        for i in 1..20_000 {
            nodes.push(node(&format!("n{i}"), Some(&format!("n{}", i - 1)), true));
        }
        let info = analyze(&nodes, Some("n19999"));
        assert_eq!(info.thread.len(), 20_000);
    }
}
