//! A Jupyter kernel for any interpreter that implements [`KernelBackend`].
//!
//! The wire side (runtimelib's pure-Rust ZeroMQ sockets, message signing, the request loop) lives
//! in `server`, `handler`, `wire` and `outbox`; the language side is the backend. Rhai backends
//! share the helpers of [`rhai_lang`] (completeness from Rhai's parser, value displays, error
//! rendering) and [`complete`] (reading code around the cursor).
//!
//! Messages and what they do:
//! - `execute_request`: `busy`, `execute_input` (with `execution_count`), the cell's `stream`,
//!   `display_data` and progress (`display_data` + `update_display_data` with one `display_id`),
//!   then the value as `execute_result` (`text/plain`, `text/html` for tables and maps) or
//!   `display_data` for figures (`image/png`, `image/svg+xml`), or an `error` with
//!   ename/evalue/traceback; the `execute_reply`; `idle`. A whole cell `?name` or `name?` pages
//!   the documentation of `name`. A panic inside the backend becomes a `Panic` error.
//! - `kernel_info_request` (shell and control), `complete_request` (with JupyterLab's
//!   `_jupyter_types_experimental`), `inspect_request`, `is_complete_request`,
//!   `history_request` (tail, range and search over this process's cells), `comm_info_request`
//!   (no comms; a `comm_open` is answered with `comm_close`).
//! - Control: `interrupt_request` sets the backend's interrupt flag (SIGINT does too);
//!   `shutdown_request` replies, stops the running cell and ends [`run_kernel`].
//! - Heartbeat pings are echoed; new iopub subscribers get `iopub_welcome` (JEP 65).
//! - A message that cannot be read is logged to stderr and dropped; a known request whose
//!   content does not parse gets an error reply.

mod backend;
pub mod complete;
pub mod display;
mod error;
mod handler;
mod history;
mod outbox;
pub mod rhai_lang;
mod server;
mod session_backend;
mod spec;
mod wire;

pub use backend::{
    CellError, CellOutput, Completion, CompletionItem, CompletionKind, IsComplete, KernelBackend, KernelInfo,
    LanguageInfo, Stream,
};
pub use error::KernelError;
pub use server::{run_kernel, serve};
pub use session_backend::SessionBackend;
pub use spec::{DISPLAY_NAME, InstallTarget, KERNEL_NAME, install_kernelspec, kernels_dir, kernelspec_json, logo_png};

/// Report a problem that does not stop the kernel (Jupyter shows the kernel's stderr in its log).
pub(crate) fn log(message: &str) {
    eprintln!("[brainclip kernel] {message}");
}
