//! The attributes a world category combines, and the per-image variation drawn around them.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The outline of the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// A disc.
    Circle,
    /// An axis-aligned square (rotated a little per image).
    Square,
    /// An upward equilateral triangle.
    Triangle,
    /// A square standing on a corner.
    Diamond,
    /// A plus sign.
    Cross,
}

/// The object's colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Colour {
    /// Red.
    Red,
    /// Green.
    Green,
    /// Blue.
    Blue,
    /// Yellow.
    Yellow,
    /// Purple.
    Purple,
}

/// The surface pattern inside the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    /// One colour.
    Solid,
    /// Parallel bands of the colour and a dark shade of it.
    Striped,
    /// Light dots on the colour.
    Dotted,
    /// A checkerboard of the colour and a dark shade of it.
    Checkered,
}

/// The scene behind the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Background {
    /// Mid grey.
    Grey,
    /// Near black.
    Black,
}

/// Every shape, colour, pattern and background, in the order category indices use.
pub const SHAPES: [Shape; 5] = [
    Shape::Circle,
    Shape::Square,
    Shape::Triangle,
    Shape::Diamond,
    Shape::Cross,
];
/// Every colour.
pub const COLOURS: [Colour; 5] = [Colour::Red, Colour::Green, Colour::Blue, Colour::Yellow, Colour::Purple];
/// Every pattern.
pub const PATTERNS: [Pattern; 4] = [Pattern::Solid, Pattern::Striped, Pattern::Dotted, Pattern::Checkered];
/// Every background.
pub const BACKGROUNDS: [Background; 2] = [Background::Grey, Background::Black];
/// The number of attribute combinations (5 × 5 × 4 × 2 = 200, GOD's 150 + 50 categories).
pub const N_COMBINATIONS: usize = SHAPES.len() * COLOURS.len() * PATTERNS.len() * BACKGROUNDS.len();

impl Shape {
    /// The caption word.
    pub fn name(self) -> &'static str {
        ["circle", "square", "triangle", "diamond", "cross"][self as usize]
    }
}

impl Colour {
    /// The caption word.
    pub fn name(self) -> &'static str {
        ["red", "green", "blue", "yellow", "purple"][self as usize]
    }
    /// Its 8-bit RGB value.
    pub fn rgb(self) -> [f32; 3] {
        [
            [220.0, 40.0, 40.0],
            [40.0, 180.0, 60.0],
            [50.0, 80.0, 230.0],
            [240.0, 210.0, 40.0],
            [150.0, 60.0, 200.0],
        ][self as usize]
    }
}

impl Pattern {
    /// The caption adjective.
    pub fn name(self) -> &'static str {
        ["solid", "striped", "dotted", "checkered"][self as usize]
    }
}

impl Background {
    /// The caption word.
    pub fn name(self) -> &'static str {
        ["grey", "black"][self as usize]
    }
    /// Its 8-bit grey level.
    pub fn level(self) -> f32 {
        [128.0, 18.0][self as usize]
    }
}

/// A category: one combination of the four attributes.
///
/// ```
/// use brainclip::data::world::Attributes;
/// let a = Attributes::from_index(0);
/// assert_eq!(a.name(), "red solid circle on grey");
/// assert_eq!(Attributes::from_index(a.index()), a);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Attributes {
    /// Outline.
    pub shape: Shape,
    /// Colour.
    pub colour: Colour,
    /// Surface pattern.
    pub pattern: Pattern,
    /// Scene behind.
    pub background: Background,
}

impl Attributes {
    /// The combination with this index (0..200): background fastest, then pattern, shape, colour.
    pub fn from_index(index: usize) -> Self {
        let i = index % N_COMBINATIONS;
        let (nb, np, ns) = (BACKGROUNDS.len(), PATTERNS.len(), SHAPES.len());
        Self {
            background: BACKGROUNDS[i % nb],
            pattern: PATTERNS[(i / nb) % np],
            shape: SHAPES[(i / (nb * np)) % ns],
            colour: COLOURS[i / (nb * np * ns)],
        }
    }

    /// Its index (the inverse of [`Attributes::from_index`]).
    pub fn index(self) -> usize {
        let (nb, np, ns) = (BACKGROUNDS.len(), PATTERNS.len(), SHAPES.len());
        self.background as usize + nb * (self.pattern as usize + np * (self.shape as usize + ns * self.colour as usize))
    }

    /// The category name, e.g. `red striped circle on grey`.
    pub fn name(self) -> String {
        format!(
            "{} {} {} on {}",
            self.colour.name(),
            self.pattern.name(),
            self.shape.name(),
            self.background.name()
        )
    }

    /// A file-name-safe id, e.g. `red-striped-circle-grey`.
    pub fn id(self) -> String {
        format!(
            "{}-{}-{}-{}",
            self.colour.name(),
            self.pattern.name(),
            self.shape.name(),
            self.background.name()
        )
    }

    /// The attribute values as indices `[shape, colour, pattern, background]`.
    pub fn values(self) -> [usize; 4] {
        [
            self.shape as usize,
            self.colour as usize,
            self.pattern as usize,
            self.background as usize,
        ]
    }
}

/// How one image varies around its category: placement, size, rotation, shading, pattern phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Variation {
    /// Object centre in [0, 1] image coordinates.
    pub centre: [f32; 2],
    /// Object radius as a fraction of the largest (0.6–1.0).
    pub scale: f32,
    /// Rotation of the outline in radians (±0.35).
    pub rotation: f32,
    /// Brightness factor of the colour (0.85–1.1).
    pub brightness: f32,
    /// Orientation of stripes: 0 horizontal, 1 vertical, 2 diagonal.
    pub stripe_orientation: usize,
    /// Phase of the pattern in [0, 1).
    pub phase: [f32; 2],
    /// Offset of the background level (±12).
    pub background_shift: f32,
}

impl Variation {
    /// Draw a variation.
    pub fn draw(rng: &mut ChaCha8Rng) -> Self {
        Self {
            centre: [rng.random_range(0.38..0.62), rng.random_range(0.38..0.62)],
            scale: rng.random_range(0.6..1.0),
            rotation: rng.random_range(-0.35..0.35),
            brightness: rng.random_range(0.85..1.1),
            stripe_orientation: rng.random_range(0..3),
            phase: [rng.random_range(0.0..1.0), rng.random_range(0.0..1.0)],
            background_shift: rng.random_range(-12.0..12.0),
        }
    }

    /// The size word a caption may use: `small`, `large` or none.
    pub fn size_word(&self) -> Option<&'static str> {
        if self.scale < 0.72 {
            Some("small")
        } else if self.scale > 0.88 {
            Some("large")
        } else {
            None
        }
    }

    /// Where the object sits, when clearly off centre horizontally.
    pub fn position_words(&self) -> Option<&'static str> {
        if self.centre[0] < 0.44 {
            Some("on the left")
        } else if self.centre[0] > 0.56 {
            Some("on the right")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_round_trip_and_cover_every_combination() {
        let all: std::collections::BTreeSet<Attributes> = (0..N_COMBINATIONS).map(Attributes::from_index).collect();
        assert_eq!(all.len(), 200);
        for i in 0..N_COMBINATIONS {
            assert_eq!(Attributes::from_index(i).index(), i);
        }
    }
}
