//! "Did you mean ...?": the one place that decides which known word a typo was meant to be, and
//! splits text into the identifier words suggestions are drawn from.

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo: few edits
/// (transpositions count as one) for its length, or a very similar spelling.
///
/// ```
/// use brainclip::suggest::did_you_mean;
/// assert_eq!(did_you_mean("epoch", ["epochs", "lr", "batch_size"]), Some("epochs"));
/// assert_eq!(did_you_mean("xyz", ["epochs", "lr"]), None);
/// ```
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let max_edits = match word.chars().count() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::osa_distance(word, c), strsim::jaro_winkler(word, c), c))
        .filter(|(edits, similarity, _)| *edits <= max_edits || *similarity > 0.9)
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, c)| c)
}

/// The candidate nearest to `word` ignoring case, however far (for keys of a file, where the
/// nearest existing one is always worth naming).
///
/// ```
/// let keys = ["ROI_V1", "ROI_V2", "DataType"];
/// assert_eq!(brainclip::suggest::nearest_ignoring_case("roi_v5", keys), Some("ROI_V1"));
/// assert_eq!(brainclip::suggest::nearest_ignoring_case("x", []), None);
/// ```
pub fn nearest_ignoring_case<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = word.to_lowercase();
    candidates
        .into_iter()
        .min_by_key(|c| strsim::levenshtein(&wanted, &c.to_lowercase()))
}

/// The identifier words of `text` (letters, digits and `_`), e.g. the names a script mentions.
///
/// ```
/// let words: Vec<&str> = brainclip::suggest::words("let x = param(\"epochs\", 40);").collect();
/// assert_eq!(words, ["let", "x", "param", "epochs", "40"]);
/// ```
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("zero_shoot", ["zero_shot", "train"]), Some("zero_shot"));
        assert_eq!(did_you_mean("gdo", ["god_synthetic", "god"]), Some("god"));
        assert_eq!(did_you_mean("trian", ["train", "ridge"]), Some("train"));
        assert_eq!(
            nearest_ignoring_case("Datatype", ["ROI_V1", "DataType"]),
            Some("DataType")
        );
    }
}
