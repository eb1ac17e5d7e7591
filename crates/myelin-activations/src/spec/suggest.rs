//! "Did you mean …?" suggestions for misspelt activation names.

/// Optimal-string-alignment (restricted Damerau–Levenshtein) distance: insertions,
/// deletions, substitutions and transpositions of adjacent characters each cost 1, so
/// `gleu` is one edit from `gelu` (and not closer to `elu`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: i − 2, i − 1 and i.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 0..a.len() {
        let mut current = vec![i + 1; b.len() + 1];
        for j in 0..b.len() {
            let substitution = previous[j] + usize::from(a[i] != b[j]);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        before = std::mem::replace(&mut previous, current);
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
        // A transposition is one edit (Levenshtein would count 2).
        assert_eq!(edit_distance("rleu", "relu"), 1);
        assert_eq!(edit_distance("gleu", "gelu"), 1);
        assert_eq!(edit_distance("gleu", "elu"), 2);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3); // OSA, not unrestricted Damerau (2)
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
        // Ranked by distance with transpositions: `gelu`, not the earlier-listed `elu`.
        let all = ["relu", "elu", "gelu", "selu"];
        assert_eq!(closest("gleu", all), Some("gelu"));
    }
}
