//! "Did you mean …?" suggestions for misspelt activation names.

/// Levenshtein edit distance (insertions, deletions, substitutions) between two strings.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `word`, if it is within a third of the word's length (at
/// least 2 edits are always tolerated). Ties go to the earlier candidate.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("relu", "relu"), 0);
        assert_eq!(edit_distance("rleu", "relu"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("gelu", ""), 4);
    }

    #[test]
    fn suggestions() {
        let names = ["relu", "gelu", "leaky_relu", "softplus"];
        assert_eq!(closest("relu_", names), Some("relu"));
        assert_eq!(closest("leaky_rleu", names), Some("leaky_relu"));
        assert_eq!(closest("sofplus", names), Some("softplus"));
        assert_eq!(closest("transformer", names), None);
    }
}
