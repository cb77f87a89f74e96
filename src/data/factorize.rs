//! Factorising a sequence of values (category ids, names) into indices into its distinct values.

use std::collections::HashMap;
use std::hash::Hash;

/// Each item's index into the distinct items, and the distinct items in order of first
/// appearance: `items[i] == levels[codes[i]]` for every `i`.
///
/// This is how per-sample category ids become a dataset's labels and category list.
///
/// ```
/// use brainclip::data::factorize;
/// let (codes, levels) = factorize(&["dog", "cat", "dog", "bird", "cat"]);
/// assert_eq!(codes, vec![0, 1, 0, 2, 1]);
/// assert_eq!(levels, vec!["dog", "cat", "bird"]);
/// ```
pub fn factorize<T: Eq + Hash + Clone>(items: &[T]) -> (Vec<usize>, Vec<T>) {
    let mut index: HashMap<&T, usize> = HashMap::new();
    let mut levels = Vec::new();
    let codes = items
        .iter()
        .map(|item| {
            *index.entry(item).or_insert_with(|| {
                levels.push(item.clone());
                levels.len() - 1
            })
        })
        .collect();
    (codes, levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_repeated_inputs() {
        let (codes, levels) = factorize::<String>(&[]);
        assert!(codes.is_empty() && levels.is_empty());
        let (codes, levels) = factorize(&[7, 7, 7]);
        assert_eq!((codes, levels), (vec![0, 0, 0], vec![7]));
        let ids: Vec<String> = ["n2", "n1", "n2"].iter().map(|s| s.to_string()).collect();
        let (codes, levels) = factorize(&ids);
        assert_eq!(codes, vec![0, 1, 0]);
        assert_eq!(levels, vec!["n2".to_string(), "n1".to_string()]);
    }
}
