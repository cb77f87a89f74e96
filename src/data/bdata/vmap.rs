use serde::Serialize;

/// A BData value-label map: the label string of each value a metadata key takes.
///
/// bdpy stores it as `/vmap/<key>/<value>` (one scalar string dataset per value, named by the
/// value as Python prints a float: `1.0`, `1518878.010042`). Values are floats (GOD's labels are
/// `1518878.010042`-style ids), so lookups are by exact `f64`, as bdpy's dict of floats does.
///
/// ```
/// use brainclip::data::bdata::Vmap;
/// let v = Vmap::new(vec![(2.0, "dog".into()), (1.0, "cat".into())]);
/// assert_eq!(v.get(1.0), Some("cat"));
/// assert_eq!(v.iter().map(|(k, _)| k).collect::<Vec<_>>(), [1.0, 2.0]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Vmap {
    /// Sorted by value.
    entries: Vec<(f64, String)>,
}

impl Vmap {
    /// A map from `(value, label)` pairs, in any order.
    pub fn new(mut entries: Vec<(f64, String)>) -> Self {
        entries.sort_by(|a, b| a.0.total_cmp(&b.0));
        Self { entries }
    }

    /// The label of `value`, if the map has one.
    pub fn get(&self, value: f64) -> Option<&str> {
        self.entries
            .binary_search_by(|(k, _)| k.total_cmp(&value))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, label)| label.as_str())
    }

    /// `(value, label)` pairs in ascending value order.
    pub fn iter(&self) -> impl Iterator<Item = (f64, &str)> {
        self.entries.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_exact() {
        let v = Vmap::new(vec![(1518878.010042, "n01518878_10042".into()), (1.0, "one".into())]);
        assert_eq!(v.get(1518878.010042), Some("n01518878_10042"));
        assert_eq!(v.get(1518878.01004), None);
        assert_eq!(v.get(f64::NAN), None);
        assert_eq!((v.len(), v.is_empty()), (2, false));
        assert!(Vmap::default().is_empty());
    }
}
