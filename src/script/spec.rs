//! One declaration per script function: its name, typed parameters, typed options table, result
//! type, summary, details and examples. From a [`FnSpec`] come the engine registration (with
//! parameter names and types in Rhai's metadata), the option checks (unknown keys with
//! did-you-mean, types, ranges and choices), `brainclip doc` in text and Markdown, kernel
//! completion and inspection, and the registry tests.
//!
//! ```
//! use brainclip::script::spec::{Area, FnSpec, Opt, param};
//! const SPEC: FnSpec = FnSpec::new("twice", Area::Run)
//!     .params(&[param("x", "float")])
//!     .options(&[Opt::float("by", 2.0, "the factor").min(0.0)])
//!     .returns("float")
//!     .summary("Multiply a number.")
//!     .example("twice(1.5) == 3.0");
//! assert_eq!(SPEC.signatures(), ["twice(x: float) -> float", "twice(x: float, options: map) -> float"]);
//! assert!(SPEC.render_text().contains("by  float ≥ 0  the factor (default 2)"));
//! ```

use std::fmt::Write as _;

/// The part of the pipeline a function belongs to; `brainclip doc` groups by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    /// Reading, simulating and shaping data.
    Data,
    /// The built-in picture world.
    World,
    /// CLIP models and embeddings.
    Clip,
    /// Networks and baselines.
    Model,
    /// Training.
    Train,
    /// Evaluation and statistics.
    Eval,
    /// Image generation.
    Generate,
    /// Figures.
    Plot,
    /// The run: files, parameters, device.
    Run,
}

impl Area {
    /// Every area, in the order `brainclip doc` lists them.
    pub const ALL: [Area; 9] = [
        Area::Data,
        Area::World,
        Area::Clip,
        Area::Model,
        Area::Train,
        Area::Eval,
        Area::Generate,
        Area::Plot,
        Area::Run,
    ];

    /// The area's name (`data`, `world`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Area::Data => "data",
            Area::World => "world",
            Area::Clip => "clip",
            Area::Model => "model",
            Area::Train => "train",
            Area::Eval => "eval",
            Area::Generate => "generate",
            Area::Plot => "plot",
            Area::Run => "run",
        }
    }
}

/// A positional parameter. Its type is a script type name (`Dataset`, `string`, `int`, `float`,
/// `bool`, `array`, `map`, `?` for any) or alternatives separated by ` | `.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// The name in signatures.
    pub name: &'static str,
    /// The script type(s) it accepts.
    pub ty: &'static str,
    /// Whether calls may leave it (and every parameter after it) out.
    pub optional: bool,
}

/// A required parameter.
pub const fn param(name: &'static str, ty: &'static str) -> Param {
    Param {
        name,
        ty,
        optional: false,
    }
}

/// A trailing parameter calls may leave out.
pub const fn optional(name: &'static str, ty: &'static str) -> Param {
    Param {
        name,
        ty,
        optional: true,
    }
}

/// The type of an option's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ty {
    /// An integer in `min..=max`.
    Int {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// A number (integers are accepted) in `min..=max`.
    Float {
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// `true` or `false`.
    Bool,
    /// Any string.
    Str,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// An array of integers, each at least `min`.
    Ints {
        /// Smallest allowed element.
        min: i64,
    },
    /// An array of numbers.
    Floats,
    /// An array of strings.
    Strs,
    /// A nested options map with its own table.
    Map(&'static [Opt]),
    /// A value the binding checks itself, described in words (e.g. `array of Image | string`).
    Value(&'static str),
}

/// An option's default, as documented; `Computed` defaults are filled in by the binding (the
/// session seed, a label counter) and described in words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Declared {
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// A string.
    Str(&'static str),
    /// Integers.
    Ints(&'static [i64]),
    /// Numbers.
    Floats(&'static [f64]),
    /// Strings.
    Strs(&'static [&'static str]),
    /// `()`: none.
    None,
    /// Each key of a nested map at its own default.
    Fields,
    /// Decided at run time, as described.
    Computed(&'static str),
}

/// One key of an options map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Opt {
    /// The key.
    pub key: &'static str,
    /// Its value's type.
    pub ty: Ty,
    /// Whether `()` is accepted (meaning "none").
    pub or_none: bool,
    /// Its default.
    pub default: Declared,
    /// What it does.
    pub doc: &'static str,
    /// Read by the binding itself rather than deserialised into the domain's settings (see
    /// [`FnSpec::settings`]).
    pub binding_only: bool,
}

impl Opt {
    const fn of(key: &'static str, ty: Ty, default: Declared, doc: &'static str) -> Self {
        Self {
            key,
            ty,
            or_none: false,
            default,
            doc,
            binding_only: false,
        }
    }
    /// Mark it as read by the binding, not part of the domain's settings.
    pub const fn for_binding(mut self) -> Self {
        self.binding_only = true;
        self
    }
    /// A non-negative integer.
    pub const fn int(key: &'static str, default: i64, doc: &'static str) -> Self {
        Self::of(key, Ty::Int { min: 0, max: i64::MAX }, Declared::Int(default), doc)
    }
    /// A number.
    pub const fn float(key: &'static str, default: f64, doc: &'static str) -> Self {
        Self::of(
            key,
            Ty::Float {
                min: f64::NEG_INFINITY,
                max: f64::INFINITY,
            },
            Declared::Float(default),
            doc,
        )
    }
    /// A flag.
    pub const fn bool(key: &'static str, default: bool, doc: &'static str) -> Self {
        Self::of(key, Ty::Bool, Declared::Bool(default), doc)
    }
    /// A string.
    pub const fn string(key: &'static str, default: &'static str, doc: &'static str) -> Self {
        Self::of(key, Ty::Str, Declared::Str(default), doc)
    }
    /// One of `choices`.
    pub const fn choice(
        key: &'static str,
        choices: &'static [&'static str],
        default: &'static str,
        doc: &'static str,
    ) -> Self {
        Self::of(key, Ty::Choice(choices), Declared::Str(default), doc)
    }
    /// An array of non-negative integers.
    pub const fn ints(key: &'static str, default: &'static [i64], doc: &'static str) -> Self {
        Self::of(key, Ty::Ints { min: 0 }, Declared::Ints(default), doc)
    }
    /// An array of numbers.
    pub const fn floats(key: &'static str, default: &'static [f64], doc: &'static str) -> Self {
        Self::of(key, Ty::Floats, Declared::Floats(default), doc)
    }
    /// An array of strings.
    pub const fn strings(key: &'static str, default: &'static [&'static str], doc: &'static str) -> Self {
        Self::of(key, Ty::Strs, Declared::Strs(default), doc)
    }
    /// A nested options map.
    pub const fn map(key: &'static str, fields: &'static [Opt], doc: &'static str) -> Self {
        Self::of(key, Ty::Map(fields), Declared::Fields, doc)
    }
    /// A value the binding checks itself; `ty` describes it.
    pub const fn value(key: &'static str, ty: &'static str, doc: &'static str) -> Self {
        Self::of(key, Ty::Value(ty), Declared::None, doc)
    }
    /// The `seed` option: a non-negative integer defaulting to the session seed.
    pub const fn seed(doc: &'static str) -> Self {
        Self::of(
            "seed",
            Ty::Int { min: 0, max: i64::MAX },
            Declared::Computed("the session seed"),
            doc,
        )
    }
    /// Accept `()` too (for "none").
    pub const fn or_none(mut self) -> Self {
        self.or_none = true;
        self
    }
    /// Default to `()`.
    pub const fn none_by_default(mut self) -> Self {
        self.or_none = true;
        self.default = Declared::None;
        self
    }
    /// A default decided at run time, described in words.
    pub const fn computed(mut self, described: &'static str) -> Self {
        self.default = Declared::Computed(described);
        self
    }
    /// The smallest allowed value (of a number, an integer or each integer of a list).
    pub const fn min(mut self, value: f64) -> Self {
        match &mut self.ty {
            Ty::Int { min, .. } | Ty::Ints { min } => *min = value as i64,
            Ty::Float { min, .. } => *min = value,
            _ => {}
        }
        self
    }
    /// The largest allowed value (of a number or an integer).
    pub const fn max(mut self, value: f64) -> Self {
        match &mut self.ty {
            Ty::Int { max, .. } => *max = value as i64,
            Ty::Float { max, .. } => *max = value,
            _ => {}
        }
        self
    }
    /// Allowed values `low..=high`.
    pub const fn range(self, low: f64, high: f64) -> Self {
        self.min(low).max(high)
    }

    /// The type as documentation shows it: `integer ≥ 1`, `float in [0, 1]`, `"f32" | "bf16"`.
    pub fn type_text(&self) -> String {
        let base = match self.ty {
            Ty::Int { min, max } => format!("integer{}", bounds(min as f64, max as f64, 0.0, i64::MAX as f64)),
            Ty::Float { min, max } => format!("float{}", bounds(min, max, f64::NEG_INFINITY, f64::INFINITY)),
            Ty::Bool => "bool".into(),
            Ty::Str => "string".into(),
            Ty::Choice(choices) => choices
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(" | "),
            Ty::Ints { min } if min <= 0 => "[integer]".into(),
            Ty::Ints { min } => format!("[integer ≥ {min}]"),
            Ty::Floats => "[float]".into(),
            Ty::Strs => "[string]".into(),
            Ty::Map(_) => "map".into(),
            Ty::Value(described) => described.into(),
        };
        if self.or_none && !matches!(self.ty, Ty::Value(_)) {
            format!("{base} | ()")
        } else {
            base
        }
    }

    /// The default as documentation shows it, e.g. `40`, `"text"`, `[1, 5]`, `()`.
    pub fn default_text(&self) -> Option<String> {
        Some(match self.default {
            Declared::Int(v) => v.to_string(),
            Declared::Float(v) => number(v),
            Declared::Bool(v) => v.to_string(),
            Declared::Str(v) => format!("\"{v}\""),
            Declared::Ints(v) => format!("[{}]", v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
            Declared::Floats(v) => format!("[{}]", v.iter().map(|f| number(*f)).collect::<Vec<_>>().join(", ")),
            Declared::Strs(v) => format!(
                "[{}]",
                v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
            ),
            Declared::None if matches!(self.ty, Ty::Value(_)) => return None,
            Declared::None => "()".into(),
            Declared::Fields => return None,
            Declared::Computed(described) => described.into(),
        })
    }
}

fn bounds(min: f64, max: f64, no_min: f64, no_max: f64) -> String {
    match (min > no_min, max < no_max) {
        (true, true) => format!(" in [{}, {}]", number(min), number(max)),
        (true, false) => format!(" ≥ {}", number(min)),
        (false, true) => format!(" ≤ {}", number(max)),
        (false, false) => String::new(),
    }
}

/// A number as scripts write it: `40`, `0.05`, `3e-4`.
fn number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() < 1e-3 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Everything about one script function.
#[derive(Clone, Copy, Debug)]
pub struct FnSpec {
    /// The name scripts call.
    pub name: &'static str,
    /// Its area.
    pub area: Area,
    /// Positional parameters (optional ones last).
    pub params: &'static [Param],
    /// The options the declaration lists itself: the keys its binding reads, and any that
    /// replace one read off the settings (see [`FnSpec::option_table`] for the whole table).
    pub own_options: &'static [Opt],
    /// The JSON schema of the domain settings struct its options fill ([`super::settings::schema`]):
    /// every field becomes an option, documented by its doc comment, with its default.
    pub settings: Option<fn() -> serde_json::Value>,
    /// Fields of the settings that this function does not offer.
    pub hidden: &'static [&'static str],
    /// The result's script type.
    pub returns: &'static str,
    /// One sentence: what it does.
    pub summary: &'static str,
    /// Everything else a user should know (may be empty); the options table is appended.
    pub details: &'static str,
    /// A Rhai example whose last expression is `true` when the function works.
    pub example: &'static str,
    /// Further examples, likewise.
    pub more_examples: &'static [&'static str],
}

impl FnSpec {
    /// A declaration to fill in with the builder methods.
    pub const fn new(name: &'static str, area: Area) -> Self {
        Self {
            name,
            area,
            params: &[],
            own_options: &[],
            settings: None,
            hidden: &[],
            returns: "()",
            summary: "",
            details: "",
            example: "",
            more_examples: &[],
        }
    }
    /// Its positional parameters.
    pub const fn params(mut self, params: &'static [Param]) -> Self {
        self.params = params;
        self
    }
    /// Options it declares itself (the function then also takes a trailing options map): keys
    /// its binding reads, or replacements of keys read off its [`settings`](Self::settings).
    pub const fn options(mut self, options: &'static [Opt]) -> Self {
        self.own_options = options;
        self
    }
    /// The domain settings its options fill, as [`super::settings::schema::<T>`]: each field is
    /// an option, in declaration order, before the ones declared with [`options`](Self::options).
    pub const fn settings(mut self, schema: fn() -> serde_json::Value) -> Self {
        self.settings = Some(schema);
        self
    }
    /// Fields of the settings this function does not offer.
    pub const fn without(mut self, fields: &'static [&'static str]) -> Self {
        self.hidden = fields;
        self
    }
    /// Its result type.
    pub const fn returns(mut self, ty: &'static str) -> Self {
        self.returns = ty;
        self
    }
    /// Its one-sentence summary.
    pub const fn summary(mut self, text: &'static str) -> Self {
        self.summary = text;
        self
    }
    /// Its details.
    pub const fn details(mut self, text: &'static str) -> Self {
        self.details = text;
        self
    }
    /// Its example (evaluates to `true`).
    pub const fn example(mut self, code: &'static str) -> Self {
        self.example = code;
        self
    }
    /// Further examples.
    pub const fn more_examples(mut self, code: &'static [&'static str]) -> Self {
        self.more_examples = code;
        self
    }

    /// Every example, the main one first.
    pub fn examples(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.example)
            .chain(self.more_examples.iter().copied())
            .filter(|e| !e.trim().is_empty())
    }

    /// The whole options table: the settings' fields (less the hidden ones, each replaced by a
    /// declared option of the same key), then the other declared options.
    pub fn option_table(&self) -> &'static [Opt] {
        let Some(schema) = self.settings else {
            return self.own_options;
        };
        type Tables = std::collections::HashMap<(&'static str, usize), &'static [Opt]>;
        static TABLES: std::sync::OnceLock<std::sync::Mutex<Tables>> = std::sync::OnceLock::new();
        let key = (self.name, self.own_options.as_ptr() as usize);
        let mut tables = TABLES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tables.entry(key).or_insert_with(|| {
            let derived = super::settings::options_of(&schema())
                .into_iter()
                .filter(|o| !self.hidden.contains(&o.key))
                .collect();
            Box::leak(merged(derived, self.own_options).into_boxed_slice())
        })
    }

    /// Whether calls may pass an options map.
    /// (Decided without reading the settings' schema, so registration stays cheap.)
    pub fn takes_options(&self) -> bool {
        self.settings.is_some() || !self.own_options.is_empty()
    }

    /// The accepted argument counts without the options map, fewest first.
    pub fn arities(&self) -> Vec<usize> {
        let required = self.params.iter().filter(|p| !p.optional).count();
        (required..=self.params.len()).collect()
    }

    /// One line per overload, e.g. `train(net: MappingNet, data: Dataset, options: map) -> Model`.
    /// The options map may follow every accepted argument count.
    pub fn signatures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in self.arities() {
            let mut params: Vec<String> = self.params[..n]
                .iter()
                .map(|p| format!("{}: {}", p.name, p.ty))
                .collect();
            out.push(format!("{}({}) -> {}", self.name, params.join(", "), self.returns));
            if self.takes_options() {
                params.push("options: map".into());
                out.push(format!("{}({}) -> {}", self.name, params.join(", "), self.returns));
            }
        }
        out
    }

    /// The option named by a dotted path (`loss.image`).
    pub fn option(&self, path: &str) -> Option<&'static Opt> {
        let mut table = self.option_table();
        let mut found = None;
        for key in path.split('.') {
            let opt = table.iter().find(|o| o.key == key)?;
            table = match opt.ty {
                Ty::Map(inner) => inner,
                _ => &[],
            };
            found = Some(opt);
        }
        found
    }

    /// The keys of the options map at a dotted path (`""` for the top level).
    pub fn option_keys(&self, path: &str) -> Vec<&'static Opt> {
        if path.is_empty() {
            return self.option_table().iter().collect();
        }
        match self.option(path).map(|o| o.ty) {
            Some(Ty::Map(inner)) => inner.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The documentation `brainclip doc NAME` prints.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for sig in self.signatures() {
            let _ = writeln!(out, "{sig}");
        }
        let _ = write!(out, "\n  {}\n", self.summary);
        if !self.details.trim().is_empty() {
            out.push('\n');
            for line in self.details.trim_end().lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        if self.takes_options() {
            out.push_str("\n  Options:\n");
            options_table(self.option_table(), 4, &mut out);
        }
        let examples: Vec<&str> = self.examples().collect();
        for (i, example) in examples.iter().enumerate() {
            let title = if examples.len() > 1 {
                format!("Example {}", i + 1)
            } else {
                "Example".into()
            };
            let _ = write!(out, "\n  {title}:\n");
            for line in example.trim().lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        out
    }

    /// The documentation as a Markdown section (`brainclip doc --markdown`).
    pub fn render_markdown(&self) -> String {
        let mut out = format!("### `{}`\n\n{}\n\n```text\n", self.name, self.summary);
        for sig in self.signatures() {
            let _ = writeln!(out, "{sig}");
        }
        out.push_str("```\n");
        if !self.details.trim().is_empty() {
            let _ = write!(out, "\n{}\n", self.details.trim());
        }
        if self.takes_options() {
            out.push_str("\n| option | type | default | meaning |\n|---|---|---|---|\n");
            markdown_rows(self.option_table(), "", &mut out);
        }
        for example in self.examples() {
            let _ = write!(out, "\n```rhai\n{}\n```\n", example.trim());
        }
        out
    }
}

/// `derived` with each option of `own` in place of the one of its key (nested maps merged key by
/// key), and the other options of `own` after them.
fn merged(mut derived: Vec<Opt>, own: &[Opt]) -> Vec<Opt> {
    for o in own {
        match derived.iter_mut().find(|d| d.key == o.key) {
            Some(d) => {
                *d = match (d.ty, o.ty) {
                    (Ty::Map(inner), Ty::Map(replacing)) => Opt {
                        ty: Ty::Map(Box::leak(merged(inner.to_vec(), replacing).into_boxed_slice())),
                        ..*o
                    },
                    _ => *o,
                }
            }
            None => derived.push(*o),
        }
    }
    derived
}

fn options_table(options: &[Opt], indent: usize, out: &mut String) {
    let key_width = options.iter().map(|o| o.key.len()).max().unwrap_or(0);
    let type_width = options.iter().map(|o| o.type_text().chars().count()).max().unwrap_or(0);
    for opt in options {
        let ty = opt.type_text();
        let pad = type_width - ty.chars().count();
        let default = opt
            .default_text()
            .map(|d| format!(" (default {d})"))
            .unwrap_or_default();
        let text = format!("{}{default}", opt.doc);
        let lead = indent + key_width + 2 + type_width + 2;
        let mut lines = wrap(&text, 100usize.saturating_sub(lead).max(40)).into_iter();
        let first = lines.next().unwrap_or_default();
        let _ = writeln!(out, "{:indent$}{:key_width$}  {ty}{:pad$}  {first}", "", opt.key, "");
        for line in lines {
            let _ = writeln!(out, "{:lead$}{line}", "");
        }
        if let Ty::Map(inner) = opt.ty {
            options_table(inner, indent + 2, out);
        }
    }
}

fn markdown_rows(options: &[Opt], prefix: &str, out: &mut String) {
    for opt in options {
        let key = format!("{prefix}{}", opt.key);
        let default = opt.default_text().unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{key}` | {} | {} | {} |",
            opt.type_text().replace('|', "\\|"),
            default.replace('|', "\\|"),
            opt.doc.replace('|', "\\|").replace('\n', " ")
        );
        if let Ty::Map(inner) = opt.ty {
            markdown_rows(inner, &format!("{key}."), out);
        }
    }
}

/// Greedy word wrap at `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}
