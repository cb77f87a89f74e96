//! What every binding file needs, in one import: `use crate::script::prelude::*;`.

pub(crate) use std::sync::Arc;

pub(crate) use rhai::{Array, Dynamic, ImmutableString, Map};

pub(crate) use super::fault::ScriptFault;
pub(crate) use super::opts::Opts;
pub(crate) use super::registry::Registry;
pub(crate) use super::settings::schema;
pub(crate) use super::spec::{Area, FnSpec, Opt, optional, param};
pub(crate) use super::values::{
    BDataValue, ClipValue, DatasetValue, DecoderArg, DiffusionValue, EmbeddingsValue, EvaluationValue, EventsValue,
    FigureValue, ImageValue, IntoScript, MaskValue, MatrixValue, ModelValue, NetValue, NiftiValue, ReconValue,
    RidgeValue, SharedModelValue, SharedNetValue, TableValue, cast_array, map_of, numbers, register_decoder_fn,
    to_dynamic,
};
pub(crate) use crate::ErrorKind;
