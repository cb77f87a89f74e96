//! Script-facing errors: a domain error becomes a [`ScriptFault`] with a kind, a message and a
//! hint, carried inside Rhai's runtime error so the engine can stamp the call's position.

use std::fmt;

use rhai::{Dynamic, EvalAltResult, Position};

use crate::{Classified, ErrorKind, Hint, Remedy};

/// An error raised by a brainclip script function.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptFault {
    /// Its category.
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl ScriptFault {
    /// A fault without a hint.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    /// Add a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Add a hint, if there is one.
    pub fn with_optional_hint(mut self, hint: Option<impl Into<String>>) -> Self {
        self.hint = hint.map(Into::into);
        self
    }

    /// Prefix the message with the function that raised it, e.g. `train: ...`.
    pub fn in_function(mut self, name: &str) -> Self {
        if !self.message.contains(&format!("{name}()")) {
            self.message = format!("{name}: {}", self.message);
        }
        self
    }
}

impl fmt::Display for ScriptFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl From<ScriptFault> for Box<EvalAltResult> {
    fn from(fault: ScriptFault) -> Self {
        Box::new(EvalAltResult::ErrorRuntime(Dynamic::from(fault), Position::NONE))
    }
}

/// Result type of script function wrappers.
pub type ScriptResult<T> = Result<T, Box<EvalAltResult>>;

/// Every domain error becomes a fault of its own kind, message and hint.
impl<E: Classified> From<E> for ScriptFault {
    fn from(e: E) -> Self {
        ScriptFault::new(e.kind(), e.to_string()).with_optional_hint(e.hint().map(spelled))
    }
}

/// A hint in script terms: remedies name the function and option that fix them.
fn spelled(hint: Hint) -> String {
    match hint {
        Hint::Text(text) => text,
        Hint::Remedy(Remedy::BuildNetworkForData) => {
            "build the network from the data it will see, e.g. mapping_net(data.train, #{})".into()
        }
        Hint::Remedy(Remedy::ChooseNonFinite) => {
            "choose what to do with them: apply_mask(series, mask, #{ non_finite: \"zero\" }) or \"drop\" (drops those voxels)"
                .into()
        }
        Hint::Remedy(Remedy::GiveSavedModel) => {
            "give the .json or .bpk file save_model wrote; both must be in the same folder".into()
        }
        Hint::Remedy(Remedy::AttachEmbeddings) => {
            "attach image or caption embeddings first: attach_embeddings(data, clip_images(...))".into()
        }
    }
}
