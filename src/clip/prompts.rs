//! Prompt templates for class names: BrainCLIP's single `"an image of {}."` and the 80 ImageNet
//! templates of CLIP's zero-shot recipe, whose text embeddings are normalised, averaged and
//! normalised again.

/// BrainCLIP's class prompt (the authors' GOD caption file).
pub const BRAINCLIP: &[&str] = &["an image of {}."];

/// The 80 ImageNet templates of CLIP's zero-shot notebook (as in open_clip's
/// `OPENAI_IMAGENET_TEMPLATES`).
pub const IMAGENET: &[&str] = &[
    "a bad photo of a {}.",
    "a photo of many {}.",
    "a sculpture of a {}.",
    "a photo of the hard to see {}.",
    "a low resolution photo of the {}.",
    "a rendering of a {}.",
    "graffiti of a {}.",
    "a bad photo of the {}.",
    "a cropped photo of the {}.",
    "a tattoo of a {}.",
    "the embroidered {}.",
    "a photo of a hard to see {}.",
    "a bright photo of a {}.",
    "a photo of a clean {}.",
    "a photo of a dirty {}.",
    "a dark photo of the {}.",
    "a drawing of a {}.",
    "a photo of my {}.",
    "the plastic {}.",
    "a photo of the cool {}.",
    "a close-up photo of a {}.",
    "a black and white photo of the {}.",
    "a painting of the {}.",
    "a painting of a {}.",
    "a pixelated photo of the {}.",
    "a sculpture of the {}.",
    "a bright photo of the {}.",
    "a cropped photo of a {}.",
    "a plastic {}.",
    "a photo of the dirty {}.",
    "a jpeg corrupted photo of a {}.",
    "a blurry photo of the {}.",
    "a photo of the {}.",
    "a good photo of the {}.",
    "a rendering of the {}.",
    "a {} in a video game.",
    "a photo of one {}.",
    "a doodle of a {}.",
    "a close-up photo of the {}.",
    "a photo of a {}.",
    "the origami {}.",
    "the {} in a video game.",
    "a sketch of a {}.",
    "a doodle of the {}.",
    "a origami {}.",
    "a low resolution photo of a {}.",
    "the toy {}.",
    "a rendition of the {}.",
    "a photo of the clean {}.",
    "a photo of a large {}.",
    "a rendition of a {}.",
    "a photo of a nice {}.",
    "a photo of a weird {}.",
    "a blurry photo of a {}.",
    "a cartoon {}.",
    "art of a {}.",
    "a sketch of the {}.",
    "a embroidered {}.",
    "a pixelated photo of a {}.",
    "itap of the {}.",
    "a jpeg corrupted photo of the {}.",
    "a good photo of a {}.",
    "a plushie {}.",
    "a photo of the nice {}.",
    "a photo of the small {}.",
    "a photo of the weird {}.",
    "the cartoon {}.",
    "art of the {}.",
    "a drawing of the {}.",
    "a photo of the large {}.",
    "a black and white photo of a {}.",
    "the plushie {}.",
    "a dark photo of a {}.",
    "itap of a {}.",
    "graffiti of the {}.",
    "a toy {}.",
    "itap of my {}.",
    "a photo of a cool {}.",
    "a photo of a small {}.",
    "a tattoo of the {}.",
];

/// The template set called `name`: `brainclip` or `imagenet`.
pub fn named(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "brainclip" | "single" => Some(BRAINCLIP),
        "imagenet" | "imagenet80" | "ensemble" => Some(IMAGENET),
        _ => None,
    }
}

/// Prompt templates as a script or a settings file gives them: a set's name or a list.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(
    untagged,
    expecting = "a template set's name (brainclip, imagenet) or an array of strings"
)]
pub enum Templates {
    /// A set called by [`named`].
    Named(String),
    /// Templates each containing `{}` once.
    List(Vec<String>),
}

/// Why templates cannot make class prompts.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// No set has this name.
    #[error("templates `{0}` is not a set (brainclip, imagenet) nor an array")]
    UnknownSet(String),
    /// The list is empty, or a template lacks its single `{}`.
    #[error("templates must be a non-empty array of strings each containing {{}} once")]
    Invalid,
}

impl crate::Classified for TemplateError {
    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::InvalidValue
    }
}

/// The templates `choice` names or lists; BrainCLIP's single one when `None`.
///
/// ```
/// use brainclip::clip::prompts::{Templates, resolve};
/// assert_eq!(resolve(None)?, ["an image of {}."]);
/// assert_eq!(resolve(Some(Templates::Named("imagenet".into())))?.len(), 80);
/// assert!(resolve(Some(Templates::List(vec!["no placeholder".into()]))).is_err());
/// # Ok::<(), brainclip::clip::prompts::TemplateError>(())
/// ```
pub fn resolve(choice: Option<Templates>) -> Result<Vec<String>, TemplateError> {
    let owned = |set: &[&str]| set.iter().map(|s| s.to_string()).collect();
    match choice {
        None => Ok(owned(BRAINCLIP)),
        Some(Templates::Named(name)) => named(&name).map(owned).ok_or(TemplateError::UnknownSet(name)),
        Some(Templates::List(list)) if valid(&list) => Ok(list),
        Some(Templates::List(_)) => Err(TemplateError::Invalid),
    }
}

/// Whether `templates` can make class prompts: at least one, each with exactly one `{}`.
///
/// ```
/// use brainclip::clip::prompts::valid;
/// assert!(valid(&["a {} in the zoo", "a drawing of a {}"]));
/// assert!(!valid::<&str>(&[]) && !valid(&["no placeholder"]) && !valid(&["{} and {}"]));
/// ```
pub fn valid<S: AsRef<str>>(templates: &[S]) -> bool {
    !templates.is_empty() && templates.iter().all(|t| t.as_ref().matches("{}").count() == 1)
}

/// `template` with `{}` replaced by `class`.
///
/// ```
/// assert_eq!(brainclip::clip::prompts::fill("an image of {}.", "ostrich"), "an image of ostrich.");
/// ```
pub fn fill(template: &str, class: &str) -> String {
    template.replacen("{}", class, 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn eighty_distinct_templates() {
        let set: std::collections::HashSet<_> = super::IMAGENET.iter().collect();
        assert_eq!((super::IMAGENET.len(), set.len()), (80, 80));
        assert!(super::IMAGENET.iter().all(|t| t.matches("{}").count() == 1));
    }
}
