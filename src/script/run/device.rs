use crate::device::resolve;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "device",
    area: "run",
    signatures: &["device() -> string", "device(spec: string) -> string"],
    summary: "The device networks train on, or switch it: \"cpu\", \"cpu:flex\", \"cpu:ndarray\", \"cpu:libtorch\", \"cuda\", \"cuda:N\" or \"auto\".",
    details: "Returns the device's label (e.g. \"cpu:flex\", \"cuda:0\"). The command line's --device (or
BRAINCLIP_DEVICE) sets the starting device; networks trained after a call use the new one. \"auto\"
takes the first GPU when this build has libtorch and the machine a usable GPU, else the CPU, so a
script that asks for \"auto\" runs unchanged on a laptop and on a GPU server. cuda and cpu:libtorch
need a build with the libtorch backend (`--features tch`, see scripts/setup-libtorch.sh); without
it, or without a usable GPU, the error says which and why. Results do not depend on the device
beyond floating-point rounding.",
    example: r#"let before = device();
let now = device("cpu:ndarray");
let back = device("auto");
before == "cpu:flex" && now == "cpu:ndarray" && back != """#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let current = run.clone();
        engine.register_fn(DOC.name, move || current.device().label());
        engine.register_fn(DOC.name, move |spec: &str| -> ScriptResult<String> {
            let device = resolve(spec).or_fault(DOC.name)?;
            let label = device.label();
            run.set_device(device);
            Ok(label)
        });
    });
}
