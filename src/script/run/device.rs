use crate::script::prelude::*;

use crate::device::resolve;

pub static SPEC: FnSpec = FnSpec::new("device", Area::Run)
    .params(&[optional("spec", "string")])
    .returns("string")
    .summary(
        "The device networks train on, or switch it: \"cpu\", \"cpu:flex\", \"cpu:ndarray\", \"cpu:libtorch\", \"cuda\", \"cuda:N\" or \"auto\".",
    )
    .details(
        "Returns the device's label (e.g. \"cpu:flex\", \"cuda:0\"). The command line's --device (or
BRAINCLIP_DEVICE) sets the starting device; networks trained after a call use the new one. \"auto\"
takes the first GPU when this build has libtorch and the machine a usable GPU, else the CPU, so a
script that asks for \"auto\" runs unchanged on a laptop and on a GPU server. cuda and cpu:libtorch
need a build with the libtorch backend (`--features tch`, see scripts/setup-libtorch.sh); without
it, or without a usable GPU, the error says which and why. Results do not depend on the device
beyond floating-point rounding.",
    )
    .example(
        r#"let before = device();
let now = device("cpu:ndarray");
let back = device("auto");
before == "cpu:flex" && now == "cpu:ndarray" && device() == back && (back.starts_with("cpu") || back.starts_with("cuda:"))"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move || -> Result<String, ScriptFault> {
        Ok(run.device().label())
    });
    let run = reg.run();
    reg.plain(&SPEC, move |spec: ImmutableString| -> Result<String, ScriptFault> {
        let device = resolve(&spec)?;
        let label = device.label();
        run.set_device(device);
        Ok(label)
    });
}
