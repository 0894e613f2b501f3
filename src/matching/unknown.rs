//! The fallback for async-related diagnostics no rule explains: the closest rules to read.
//! Pure.

use std::collections::BTreeSet;

use super::find::{collect_labels, flatten_children};
use crate::diagnostic::Diagnostic;
use crate::rules::Rulebook;

/// For a diagnostic no rule explains: whether it is about async code (its message, labels or
/// child messages mention `async`, `.await`, `Future` or `impl Future`), and if so the ids of
/// up to three rules worth reading (same code first, then the most words in common).
/// `None` for everything else, so ordinary errors never get a note.
pub fn unknown_async(book: &Rulebook, diag: &Diagnostic) -> Option<Vec<String>> {
    let level = diag.level();
    if level != "error" && level != "warning" {
        return None;
    }
    let mut texts = vec![diag.rustc.message.as_str()];
    let mut labels = Vec::new();
    collect_labels(&diag.rustc, &mut labels);
    texts.extend(labels.iter().map(|(l, _)| *l));
    let mut children = Vec::new();
    flatten_children(&diag.rustc, &mut children);
    texts.extend(children.iter().map(|c| c.message.as_str()));
    if !texts.iter().any(|t| mentions_async(t)) {
        return None;
    }
    let mine = words(&texts.join(" "));
    // Words in common with each rule, counted through an index of the rules' words (built
    // once per rulebook) instead of intersecting the word set with every rule's.
    let index = book.words.get_or_init(|| {
        let mut index: foldhash::HashMap<String, Vec<usize>> = Default::default();
        for (i, r) in book.rules().iter().enumerate() {
            for w in words(&format!("{} {}", r.title, r.summary)) {
                index.entry(w).or_default().push(i);
            }
        }
        index
    });
    let mut overlap = vec![0usize; book.rules().len()];
    for w in &mine {
        for &i in index.get(w).map_or(&[][..], Vec::as_slice) {
            overlap[i] += 1;
        }
    }
    let mut scored: Vec<(bool, usize, &str)> = book
        .rules()
        .iter()
        .zip(overlap)
        .filter(|(r, _)| !r.deprecated)
        .map(|(r, overlap)| {
            let same_code = diag
                .code()
                .is_some_and(|c| r.codes.iter().any(|rc| rc == c));
            (same_code, overlap, r.id.as_str())
        })
        .collect();
    scored.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.2.cmp(b.2)));
    Some(
        scored
            .into_iter()
            .filter(|(same, overlap, _)| *same || *overlap > 0)
            .take(3)
            .map(|(_, _, id)| id.to_string())
            .collect(),
    )
}

/// The words the closest-rules score compares: alphanumeric runs longer than 3 bytes, lowercase.
fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
        .map(str::to_ascii_lowercase)
        .collect()
}

fn mentions_async(text: &str) -> bool {
    let bytes = text.as_bytes();
    let word_at = |i: usize, w: &str| {
        let end = i + w.len();
        let before = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let after =
            end >= bytes.len() || !(bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_');
        before && after
    };
    ["async", "await", "Future"]
        .iter()
        .any(|w| text.match_indices(w).any(|(i, _)| word_at(i, w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_words_are_whole_words() {
        assert!(mentions_async(
            "expected `u32`, found future of `impl Future<Output = u32>`"
        ));
        assert!(mentions_async(
            "`await` is only allowed inside `async` functions"
        ));
        assert!(!mentions_async("FutureProof is a struct; asynchronous_io"));
        assert!(!mentions_async(
            "`Rc<String>` cannot be sent between threads safely"
        ));
    }
}
