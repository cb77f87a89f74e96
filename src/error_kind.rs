//! What went wrong, in categories a user can act on: one enum from the domain's errors through
//! script errors to the CLI's exit code and a notebook's `ename`.

use std::fmt;

/// The category of an error a script or a notebook cell raised.
///
/// ```
/// use brainclip::ErrorKind;
/// assert_eq!(ErrorKind::Data.name(), "DataError");
/// assert_eq!(ErrorKind::Interrupted.exit_code(), 130);
/// assert_eq!("UnknownOption".parse::<ErrorKind>(), Ok(ErrorKind::UnknownOption));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An options map has an unknown key.
    UnknownOption,
    /// A value has the wrong type.
    WrongType,
    /// A value is out of range.
    InvalidValue,
    /// Sizes of data and model disagree.
    DimensionMismatch,
    /// The data lack something or are empty.
    Data,
    /// A file could not be read or written, or is off limits.
    File,
    /// The requested device is unavailable.
    Device,
    /// A numerical failure (divergence, singular system).
    Numerical,
    /// The user interrupted the work.
    Interrupted,
    /// The code does not parse.
    Syntax,
    /// No function of that name (or with those argument types).
    UnknownFunction,
    /// A variable used before it was declared.
    UnknownVariable,
    /// A value has no such property.
    UnknownProperty,
    /// A property that cannot be assigned.
    ReadOnlyProperty,
    /// An `import` that names no module.
    ModuleNotFound,
    /// A limit on the script's resources was reached.
    Limit,
    /// Any other error Rhai raised (a `throw`, an index out of bounds, ...).
    Runtime,
    /// A bug in brainclip (a binding reading what it did not declare); please report it.
    Internal,
}

impl ErrorKind {
    /// Every kind.
    pub const ALL: [ErrorKind; 18] = [
        ErrorKind::UnknownOption,
        ErrorKind::WrongType,
        ErrorKind::InvalidValue,
        ErrorKind::DimensionMismatch,
        ErrorKind::Data,
        ErrorKind::File,
        ErrorKind::Device,
        ErrorKind::Numerical,
        ErrorKind::Interrupted,
        ErrorKind::Syntax,
        ErrorKind::UnknownFunction,
        ErrorKind::UnknownVariable,
        ErrorKind::UnknownProperty,
        ErrorKind::ReadOnlyProperty,
        ErrorKind::ModuleNotFound,
        ErrorKind::Limit,
        ErrorKind::Runtime,
        ErrorKind::Internal,
    ];

    /// The kind's name, as shown to users (`error[NAME]`, `ename` in Jupyter).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::UnknownOption => "UnknownOption",
            ErrorKind::WrongType => "WrongType",
            ErrorKind::InvalidValue => "InvalidValue",
            ErrorKind::DimensionMismatch => "DimensionMismatch",
            ErrorKind::Data => "DataError",
            ErrorKind::File => "FileError",
            ErrorKind::Device => "DeviceError",
            ErrorKind::Numerical => "NumericalError",
            ErrorKind::Interrupted => "Interrupted",
            ErrorKind::Syntax => "SyntaxError",
            ErrorKind::UnknownFunction => "UnknownFunction",
            ErrorKind::UnknownVariable => "UnknownVariable",
            ErrorKind::UnknownProperty => "UnknownProperty",
            ErrorKind::ReadOnlyProperty => "ReadOnlyProperty",
            ErrorKind::ModuleNotFound => "ModuleNotFound",
            ErrorKind::Limit => "LimitReached",
            ErrorKind::Runtime => "RuntimeError",
            ErrorKind::Internal => "InternalError",
        }
    }

    /// The process exit code of a script that stopped with this error: 130 (as for SIGINT)
    /// when interrupted, 1 otherwise.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Interrupted => 130,
            _ => 1,
        }
    }

    /// A hint for errors whose cause carries none.
    pub fn fallback_hint(self) -> Option<&'static str> {
        Some(match self {
            ErrorKind::Syntax => {
                "Rhai statements end with `;`, strings use \"...\" and option maps are written #{ key: value }"
            }
            ErrorKind::WrongType | ErrorKind::InvalidValue | ErrorKind::UnknownOption => {
                "`brainclip doc NAME` lists a function's options, their types and defaults"
            }
            ErrorKind::Data => "print the dataset to see what it holds, e.g. print(god.train)",
            ErrorKind::DimensionMismatch => "models and datasets must agree on voxels and embedding width",
            ErrorKind::Numerical => "lower the learning rate or check the data for constant or extreme values",
            ErrorKind::File => "scripts write only inside the run directory (see --out)",
            ErrorKind::Interrupted => "the run directory keeps everything written before the interrupt",
            ErrorKind::Runtime => "`brainclip doc` is the reference of every brainclip function",
            ErrorKind::Internal => "this is a bug in brainclip; please report it with the script that raised it",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ErrorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("no error kind `{s}`"))
    }
}

/// A domain error that knows its category and, where it can tell, how to fix it: what the CLI's
/// exit code, a script error and a notebook's `ename` are made from.
///
/// ```
/// use brainclip::{Classified, ErrorKind};
/// let e = brainclip::eval::EvalError::Empty("no samples");
/// assert_eq!(e.kind(), ErrorKind::Data);
/// assert_eq!(e.hint(), None);
/// ```
pub trait Classified: fmt::Display {
    /// Its category.
    fn kind(&self) -> ErrorKind;
    /// How to fix it, when the error can tell.
    fn hint(&self) -> Option<Hint> {
        None
    }
}

/// How to fix an error: advice in words, or a remedy that each front end spells in its own
/// syntax (a script names its functions and options; the domain does not).
///
/// ```
/// use brainclip::{Hint, Remedy};
/// assert_eq!(Hint::from("check the path"), Hint::Text("check the path".into()));
/// assert_ne!(Hint::Remedy(Remedy::BuildNetworkForData), Hint::from("check the path"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Advice that reads the same everywhere.
    Text(String),
    /// A fix whose spelling belongs to the front end.
    Remedy(Remedy),
}

/// Fixes a front end spells (the script layer: with the function and option to use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remedy {
    /// Build the network from the data it will be trained or evaluated on.
    BuildNetworkForData,
    /// Say what to do with non-finite voxels: zero them or drop them.
    ChooseNonFinite,
    /// Give the files a saved model was written to.
    GiveSavedModel,
    /// Attach image or caption embeddings to the dataset first.
    AttachEmbeddings,
}

impl From<&str> for Hint {
    fn from(text: &str) -> Self {
        Hint::Text(text.into())
    }
}

impl From<String> for Hint {
    fn from(text: String) -> Self {
        Hint::Text(text)
    }
}
