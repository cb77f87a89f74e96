//! Script functions of the evaluation area.

mod retrieval;
mod zero_shot;

use rhai::{Dynamic, Map};

use super::registry::Registry;
use crate::eval::TopK;

/// Register the evaluation functions.
pub fn register(reg: &mut Registry) {
    zero_shot::register(reg);
    retrieval::register(reg);
}

/// `top{k}` and `chance_top{k}` entries for each k.
fn insert_topk(map: &mut Map, topk: &[TopK]) {
    for t in topk {
        map.insert(format!("top{}", t.k).into(), Dynamic::from(t.accuracy));
        map.insert(format!("chance_top{}", t.k).into(), Dynamic::from(t.chance));
    }
}
