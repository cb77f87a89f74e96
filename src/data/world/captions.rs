//! Human-like captions of world images (templates with synonyms, the size and placement the image
//! happens to have) and the category prompts.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::attributes::{Attributes, Background, Pattern, Shape, Variation};

fn shape_words(s: Shape) -> &'static [&'static str] {
    match s {
        Shape::Circle => &["circle", "disc", "circle"],
        Shape::Square => &["square"],
        Shape::Triangle => &["triangle"],
        Shape::Diamond => &["diamond", "rhombus", "diamond"],
        Shape::Cross => &["cross", "plus sign", "cross"],
    }
}

fn pattern_adjectives(p: Pattern) -> &'static [&'static str] {
    match p {
        Pattern::Solid => &["solid", "plain", "solid"],
        Pattern::Striped => &["striped", "stripy", "striped"],
        Pattern::Dotted => &["dotted", "spotted", "dotted"],
        Pattern::Checkered => &["checkered", "chequered", "checked"],
    }
}

fn pattern_phrase(p: Pattern, v: &Variation) -> &'static str {
    match p {
        Pattern::Solid => "no pattern",
        Pattern::Striped => ["horizontal stripes", "vertical stripes", "diagonal stripes"][v.stripe_orientation.min(2)],
        Pattern::Dotted => "white dots",
        Pattern::Checkered => "a checkerboard pattern",
    }
}

fn background_words(b: Background) -> &'static [&'static str] {
    match b {
        Background::Grey => &["grey", "gray", "grey"],
        Background::Black => &["black", "dark", "black"],
    }
}

fn pick<'a>(rng: &mut ChaCha8Rng, words: &[&'a str]) -> &'a str {
    words[rng.random_range(0..words.len())]
}

fn with_space(word: Option<&str>) -> String {
    word.map_or(String::new(), |w| format!("{w} "))
}

/// One caption of an image with these attributes and variation, e.g. "a small red striped
/// circle on grey".
///
/// ```
/// use rand::SeedableRng;
/// use brainclip::data::world::{Attributes, Variation, caption};
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let v = Variation::draw(&mut rng);
/// let text = caption(Attributes::from_index(0), &v, &mut rng);
/// assert!(text.contains("red"));
/// ```
pub fn caption(a: Attributes, v: &Variation, rng: &mut ChaCha8Rng) -> String {
    let colour = a.colour.name();
    let shape = pick(rng, shape_words(a.shape));
    let pattern = pick(rng, pattern_adjectives(a.pattern));
    let bg = pick(rng, background_words(a.background));
    let size = with_space(v.size_word());
    let place = v.position_words().map_or(String::new(), |p| format!(" {p}"));
    let article = |next: &str| {
        if next.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        }
    };
    match rng.random_range(0..5) {
        0 => {
            let first = format!("{size}{colour}");
            format!("{} {first} {pattern} {shape} on {bg}", article(&first))
        }
        1 => format!(
            "{} {pattern} {colour} {shape}{place} on a {bg} background",
            article(pattern)
        ),
        2 => format!(
            "{size}{colour} {shape} with {}, {bg} background",
            pattern_phrase(a.pattern, v)
        ),
        3 => format!("a picture of {} {colour} {shape}, {pattern}, on {bg}", article(colour)),
        _ => format!(
            "there is {} {size}{pattern} {shape} in {colour}{place} against {bg}",
            article(&format!("{size}{pattern}"))
        ),
    }
}

/// The prompt of a category, e.g. "a red striped circle on grey".
pub fn prompt(a: Attributes) -> String {
    format!("a {}", a.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn captions_vary_and_name_every_attribute() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let a = Attributes::from_index(57);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let v = Variation::draw(&mut rng);
            let c = caption(a, &v, &mut rng);
            assert!(c.contains(a.colour.name()), "{c}");
            seen.insert(c);
        }
        assert!(seen.len() > 10, "{seen:?}");
    }
}
