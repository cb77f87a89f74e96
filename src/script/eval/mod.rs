//! Script functions of the evaluation area.

mod evaluate;
mod mean_ci;
mod retrieval;
mod zero_shot;

use rhai::{Array, Dynamic, Map};

use super::fault::{OrFault, ScriptResult};
use super::options::Options;
use super::registry::Registry;
use super::values::to_dynamic;
use crate::eval::{EvalConfig, Significance, Similarity, TopK};

/// Register the evaluation functions.
pub fn register(reg: &mut Registry) {
    zero_shot::register(reg);
    retrieval::register(reg);
    evaluate::register(reg);
    mean_ci::register(reg);
}

/// Evaluation settings from a script's options map.
fn eval_config(options: &Options, name: &str, seed: u64) -> ScriptResult<EvalConfig> {
    let defaults = EvalConfig::default();
    let similarity: Similarity = options
        .string("similarity", defaults.similarity.name())
        .or_fault(name)?
        .parse()
        .or_fault(name)?;
    let config = EvalConfig {
        ks: options.usize_list("k", &defaults.ks).or_fault(name)?,
        similarity,
        bootstrap: options.usize("bootstrap", defaults.bootstrap).or_fault(name)?,
        permutations: options.usize("permutations", defaults.permutations).or_fault(name)?,
        n_way: options.usize_list("n_way", &defaults.n_way).or_fault(name)?,
        repeats: options.usize("repeats", defaults.repeats).or_fault(name)?,
        identification: options
            .usize_list("identification", &defaults.identification)
            .or_fault(name)?,
        seed: options.u64("seed", seed).or_fault(name)?,
    };
    config.validate().or_fault(name)?;
    Ok(config)
}

/// `top{k}`, `chance_top{k}`, and where computed `p_top{k}` (binomial), `ci_top{k}` ([low, high],
/// bootstrap) and `null_top{k}` (#{ mean, sd, p_value } of the permutation null).
fn insert_topk(map: &mut Map, topk: &[TopK], significance: &[Significance]) {
    for t in topk {
        map.insert(format!("top{}", t.k).into(), Dynamic::from(t.accuracy));
        map.insert(format!("chance_top{}", t.k).into(), Dynamic::from(t.chance));
    }
    for s in significance {
        map.insert(format!("p_top{}", s.k).into(), Dynamic::from(s.p_value));
        if let Some(ci) = &s.ci95 {
            let bounds: Array = vec![Dynamic::from(ci.low), Dynamic::from(ci.high)];
            map.insert(format!("ci_top{}", s.k).into(), Dynamic::from(bounds));
        }
        if let Some(null) = &s.null {
            map.insert(format!("null_top{}", s.k).into(), to_dynamic(null));
        }
    }
}
