//! Shell requests, answered on the backend's thread one at a time: each is wrapped in `busy` /
//! `idle` on iopub, and nothing a backend does (an error, a panic, an interrupt) ends the loop.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use jupyter_protocol::{
    CodeMirrorMode, CommClose, CommInfoReply, CompleteReply, DisplayData, ErrorOutput, ExecuteInput, ExecuteReply,
    ExecuteRequest, ExecuteResult, ExecutionCount, ExpressionResult, HelpLink, HistoryReply, InspectReply,
    IsCompleteReply, IsCompleteReplyStatus, JupyterMessage, JupyterMessageContent, KernelInfoReply, Media, MediaType,
    Payload, ReplyError, ReplyStatus, ShutdownReply, Status, Transient, UnknownMessage,
};
use serde_json::{Value, json};

use super::backend::{CellError, Completion, IsComplete, KernelBackend, KernelInfo};
use super::complete::{byte_to_char, char_to_byte};
use super::display::media;
use super::history::History;
use super::log;
use super::outbox::{Outbox, WireOutput};
use super::wire::Incoming;
use crate::display::MimeBundle;

/// What the socket tasks hand to the backend thread.
pub(crate) enum Request {
    /// A shell request.
    Shell(Box<Incoming>),
    /// Stop (a `shutdown_request` arrived on the control channel).
    Shutdown,
}

/// Requests whose reply jupyter-protocol knows how to name; a malformed one gets an error reply.
const KNOWN_REQUESTS: &[&str] = &[
    "execute_request",
    "complete_request",
    "inspect_request",
    "is_complete_request",
    "history_request",
    "comm_info_request",
    "kernel_info_request",
    "shutdown_request",
];

/// The backend and what the kernel keeps between requests.
pub(crate) struct Handler<B> {
    backend: B,
    outbox: Outbox,
    info: KernelInfoReply,
    execution_count: usize,
    history: History,
    /// When the last cell that failed with `stop_on_error` finished: execute requests that
    /// arrived before then were queued behind it and are aborted.
    abort_received_before: Option<Instant>,
}

impl<B: KernelBackend> Handler<B> {
    pub fn new(backend: B, outbox: Outbox, info: KernelInfoReply) -> Self {
        Self {
            backend,
            outbox,
            info,
            execution_count: 0,
            history: History::default(),
            abort_received_before: None,
        }
    }

    /// Answer requests until a shutdown (`shutdown` set, or a shell `shutdown_request`) or until
    /// every sender is gone.
    pub fn run(&mut self, requests: &Receiver<Request>, shutdown: &AtomicBool) {
        while let Ok(request) = requests.recv() {
            if shutdown.load(Ordering::SeqCst) {
                return;
            }
            let incoming = match request {
                Request::Shutdown => return,
                Request::Shell(incoming) => incoming,
            };
            if self.queued_behind_a_failure(&incoming) {
                self.abort(&incoming.message);
            } else if self.handle(&incoming) == Flow::Stop {
                return;
            }
        }
    }

    /// After a cell failed with `stop_on_error` (the default), the cells that were already queued
    /// behind it ("Run all") are not run, as in ipykernel. What was queued is decided by arrival
    /// time, not by what happens to be in the channel when the cell ends, so a cell sent after
    /// the failure was answered always runs, however fast the client is.
    fn queued_behind_a_failure(&self, incoming: &Incoming) -> bool {
        matches!(incoming.message.content, JupyterMessageContent::ExecuteRequest(_))
            && self
                .abort_received_before
                .is_some_and(|failed| incoming.received < failed)
    }

    /// Answer an execute request with `aborted`, without running it.
    fn abort(&mut self, msg: &JupyterMessage) {
        self.outbox.iopub(Status::busy(), msg);
        let reply = ExecuteReply {
            status: ReplyStatus::Aborted,
            execution_count: ExecutionCount::new(self.execution_count),
            payload: Vec::new(),
            user_expressions: None,
            error: None,
        };
        self.outbox.reply(reply, msg);
        self.outbox.iopub(Status::idle(), msg);
    }

    fn handle(&mut self, incoming: &Incoming) -> Flow {
        let msg = &incoming.message;
        self.outbox.iopub(Status::busy(), msg);
        let flow = match &msg.content {
            JupyterMessageContent::ExecuteRequest(req) => {
                self.execute(req, msg);
                Flow::Continue
            }
            JupyterMessageContent::KernelInfoRequest(_) => self.reply(self.info.clone(), msg),
            JupyterMessageContent::CompleteRequest(req) => {
                let reply = self.complete(&req.code, req.cursor_pos);
                self.reply(reply, msg)
            }
            JupyterMessageContent::InspectRequest(req) => {
                let reply = self.inspect(&req.code, req.cursor_pos);
                self.reply(reply, msg)
            }
            JupyterMessageContent::IsCompleteRequest(req) => {
                let reply = self.is_complete(&req.code);
                self.reply(reply, msg)
            }
            JupyterMessageContent::HistoryRequest(_) => self.history(&incoming.content, msg),
            JupyterMessageContent::UnknownMessage(u) if u.msg_type == "history_request" => {
                self.history(&incoming.content, msg)
            }
            JupyterMessageContent::CommInfoRequest(_) => self.reply(CommInfoReply::default(), msg),
            JupyterMessageContent::CommOpen(open) => {
                // no comm targets: close it so the frontend does not wait
                let close = CommClose {
                    comm_id: open.comm_id.clone(),
                    data: Default::default(),
                };
                self.outbox.iopub(close, msg);
                Flow::Continue
            }
            JupyterMessageContent::CommMsg(_) | JupyterMessageContent::CommClose(_) => Flow::Continue,
            JupyterMessageContent::ShutdownRequest(req) => {
                self.backend.interrupt_flag().store(true, Ordering::SeqCst);
                let reply = ShutdownReply {
                    restart: req.restart,
                    status: ReplyStatus::Ok,
                    error: None,
                };
                self.reply(reply, msg);
                Flow::Stop
            }
            JupyterMessageContent::UnknownMessage(u) => self.unknown(u, incoming.parse_error.as_deref(), msg),
            other => {
                log(&format!("ignoring `{}` on the shell channel", other.message_type()));
                Flow::Continue
            }
        };
        self.outbox.iopub(Status::idle(), msg);
        flow
    }

    fn reply(&self, content: impl Into<JupyterMessageContent>, parent: &JupyterMessage) -> Flow {
        self.outbox.reply(content, parent);
        Flow::Continue
    }

    fn unknown(&self, u: &UnknownMessage, parse_error: Option<&str>, msg: &JupyterMessage) -> Flow {
        match parse_error {
            Some(why) if KNOWN_REQUESTS.contains(&u.msg_type.as_str()) => {
                log(&format!("malformed `{}`: {why}", u.msg_type));
                let content = json!({
                    "status": "error",
                    "ename": "BadRequest",
                    "evalue": format!("malformed {}: {why}", u.msg_type),
                    "traceback": [],
                });
                self.reply(u.reply(content), msg)
            }
            _ => {
                log(&format!("unsupported request `{}`", u.msg_type));
                Flow::Continue
            }
        }
    }

    fn execute(&mut self, req: &ExecuteRequest, msg: &JupyterMessage) {
        let store = req.store_history && !req.silent;
        if store {
            self.execution_count += 1;
        }
        let count = ExecutionCount::new(self.execution_count);
        if !req.silent {
            self.outbox.iopub(
                ExecuteInput {
                    code: req.code.clone(),
                    execution_count: count,
                },
                msg,
            );
        }
        if let Some(name) = help_request(&req.code) {
            self.page_help(name, count, msg);
            if store {
                self.history.push(count.value(), &req.code, "");
            }
            return;
        }

        let flag = self.backend.interrupt_flag();
        flag.store(false, Ordering::SeqCst);
        let output = Arc::new(WireOutput::new(self.outbox.clone(), msg.clone()));
        let result = catch_unwind(AssertUnwindSafe(|| self.backend.execute(&req.code, output.clone())))
            .unwrap_or_else(|panic| Err(panic_error(panic.as_ref())));
        output.finish();
        drop(output);

        match result {
            Ok(value) => {
                let text = value.as_ref().map(|v| v.text.clone()).unwrap_or_default();
                match value {
                    Some(value) if !req.silent => self.show_result(value, count, msg),
                    _ => {}
                }
                if store {
                    self.history.push(count.value(), &req.code, &text);
                }
                let user_expressions = self.user_expressions(req.user_expressions.as_ref());
                let reply = ExecuteReply {
                    status: ReplyStatus::Ok,
                    execution_count: count,
                    payload: Vec::new(),
                    user_expressions: Some(user_expressions),
                    error: None,
                };
                self.outbox.reply(reply, msg);
            }
            Err(error) => {
                if store {
                    self.history.push(count.value(), &req.code, "");
                }
                if req.stop_on_error {
                    self.abort_received_before = Some(Instant::now());
                }
                self.outbox.iopub(
                    ErrorOutput {
                        ename: error.ename.clone(),
                        evalue: error.evalue.clone(),
                        traceback: error.traceback.clone(),
                    },
                    msg,
                );
                let reply = ExecuteReply {
                    status: ReplyStatus::Error,
                    execution_count: count,
                    payload: Vec::new(),
                    user_expressions: Some(HashMap::new()),
                    error: Some(Box::new(ReplyError {
                        ename: error.ename,
                        evalue: error.evalue,
                        traceback: error.traceback,
                    })),
                };
                self.outbox.reply(reply, msg);
            }
        }
    }

    /// The values of an `execute_request`'s `user_expressions`, each evaluated after the cell
    /// succeeded; one that fails (or panics) gives its error in its own entry.
    fn user_expressions(&mut self, expressions: Option<&HashMap<String, String>>) -> HashMap<String, ExpressionResult> {
        let Some(expressions) = expressions else {
            return HashMap::new();
        };
        let mut names: Vec<&String> = expressions.keys().collect();
        names.sort();
        names
            .into_iter()
            .map(|name| {
                let expression = &expressions[name];
                let outcome = catch_unwind(AssertUnwindSafe(|| self.backend.evaluate_expression(expression)))
                    .unwrap_or_else(|panic| Err(panic_error(panic.as_ref())));
                let result = match outcome {
                    Ok(value) => ExpressionResult::Ok {
                        data: value.map_or_else(|| Media::new(vec![MediaType::Plain("()".into())]), |v| media(&v)),
                        metadata: Default::default(),
                    },
                    Err(error) => ExpressionResult::Error {
                        ename: error.ename,
                        evalue: error.evalue,
                        traceback: error.traceback,
                    },
                };
                (name.clone(), result)
            })
            .collect()
    }

    /// A cell's value: figures as `display_data`, everything else as `execute_result`.
    fn show_result(&self, value: MimeBundle, count: ExecutionCount, msg: &JupyterMessage) {
        if value.is_image() {
            self.outbox.iopub(DisplayData::new(media(&value)), msg);
        } else {
            let mut result = ExecuteResult::new(count, media(&value));
            result.transient = Some(Transient::default());
            self.outbox.iopub(result, msg);
        }
    }

    /// `?name` or `name?`: the documentation of `name` in the pager.
    fn page_help(&self, name: &str, count: ExecutionCount, msg: &JupyterMessage) {
        let doc = catch_unwind(AssertUnwindSafe(|| self.backend.inspect(name, name.len()))).unwrap_or(None);
        let payload = match doc {
            Some(text) => vec![Payload::Page {
                data: Media::new(vec![MediaType::Plain(text)]),
                start: 0,
            }],
            None => {
                let text = format!("no documentation for `{name}`\n");
                self.outbox.iopub(jupyter_protocol::StreamContent::stderr(&text), msg);
                Vec::new()
            }
        };
        let reply = ExecuteReply {
            status: ReplyStatus::Ok,
            execution_count: count,
            payload,
            user_expressions: Some(HashMap::new()),
            error: None,
        };
        self.outbox.reply(reply, msg);
    }

    fn complete(&self, code: &str, cursor_chars: usize) -> CompleteReply {
        let cursor = char_to_byte(code, cursor_chars);
        let completion = catch_unwind(AssertUnwindSafe(|| self.backend.complete(code, cursor))).unwrap_or_else(|p| {
            log(&format!("complete panicked: {}", panic_message(p.as_ref())));
            Completion {
                matches: Vec::new(),
                start: cursor,
                end: cursor,
            }
        });
        let start = byte_to_char(code, completion.start);
        let end = byte_to_char(code, completion.end.max(completion.start));
        let types: Vec<Value> = completion
            .matches
            .iter()
            .map(|m| {
                json!({
                    "start": start,
                    "end": end,
                    "text": m.text,
                    "type": m.kind.jupyter_type(),
                    "signature": m.signature.clone().unwrap_or_default(),
                })
            })
            .collect();
        let mut metadata = serde_json::Map::new();
        metadata.insert("_jupyter_types_experimental".into(), Value::Array(types));
        CompleteReply {
            matches: completion.matches.into_iter().map(|m| m.text).collect(),
            cursor_start: start,
            cursor_end: end,
            metadata,
            status: ReplyStatus::Ok,
            error: None,
        }
    }

    fn inspect(&self, code: &str, cursor_chars: usize) -> InspectReply {
        let cursor = char_to_byte(code, cursor_chars);
        let doc = catch_unwind(AssertUnwindSafe(|| self.backend.inspect(code, cursor))).unwrap_or_else(|p| {
            log(&format!("inspect panicked: {}", panic_message(p.as_ref())));
            None
        });
        InspectReply {
            found: doc.is_some(),
            data: doc.map_or_else(Media::default, |text| Media::new(vec![MediaType::Plain(text)])),
            metadata: Default::default(),
            status: ReplyStatus::Ok,
            error: None,
        }
    }

    fn is_complete(&self, code: &str) -> IsCompleteReply {
        match catch_unwind(AssertUnwindSafe(|| self.backend.is_complete(code))) {
            Ok(IsComplete::Complete) => IsCompleteReply::complete(),
            Ok(IsComplete::Incomplete { indent }) => IsCompleteReply::incomplete(indent),
            Ok(IsComplete::Invalid) => IsCompleteReply::invalid(),
            Ok(IsComplete::Unknown) | Err(_) => IsCompleteReply::new(IsCompleteReplyStatus::Unknown, String::new()),
        }
    }

    fn history(&self, content: &Value, msg: &JupyterMessage) -> Flow {
        self.reply(HistoryReply::new(self.history.query(content)), msg)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

/// `?name` / `name?` (a whole cell asking for help), as in IPython.
fn help_request(code: &str) -> Option<&str> {
    let code = code.trim();
    let name = code
        .strip_prefix('?')
        .or_else(|| code.strip_suffix('?'))?
        .trim_matches('?')
        .trim();
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b':')
        && !name.as_bytes()[0].is_ascii_digit();
    ok.then_some(name)
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without message".into())
}

fn panic_error(panic: &(dyn Any + Send)) -> CellError {
    let message = panic_message(panic);
    let text = format!(
        "\u{1b}[1;31merror[Panic]\u{1b}[0m: {message}\n   = note: a native function panicked; the kernel caught it and keeps \
         running, but values it was building may be incomplete\n   = hint: please report this as a bug"
    );
    CellError::new("Panic", message).with_traceback_text(&text)
}

/// The `kernel_info_reply` for a backend's [`KernelInfo`].
pub(crate) fn kernel_info_reply(info: &KernelInfo) -> KernelInfoReply {
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: "5.3".into(),
        implementation: info.implementation.clone(),
        implementation_version: info.implementation_version.clone(),
        language_info: jupyter_protocol::LanguageInfo {
            name: info.language.name.clone(),
            version: info.language.version.clone(),
            mimetype: Some(info.language.mimetype.clone()),
            file_extension: Some(info.language.file_extension.clone()),
            pygments_lexer: Some(info.language.pygments_lexer.clone()),
            codemirror_mode: Some(CodeMirrorMode::Simple(info.language.codemirror_mode.clone())),
            nbconvert_exporter: Some("script".into()),
        },
        banner: info.banner.clone(),
        help_links: info
            .help_links
            .iter()
            .map(|(text, url)| HelpLink {
                text: text.clone(),
                url: url.clone(),
            })
            .collect(),
        debugger: false,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::backend::{CellOutput, LanguageInfo};
    use crate::kernel::outbox::Outgoing;
    use std::time::Duration;

    /// Runs every cell, records its code, and fails the cells that say `fail`.
    #[derive(Default)]
    struct Recorder {
        ran: Vec<String>,
        interrupt: Arc<AtomicBool>,
    }

    impl KernelBackend for Recorder {
        fn execute(&mut self, code: &str, _out: Arc<dyn CellOutput>) -> Result<Option<MimeBundle>, CellError> {
            self.ran.push(code.to_string());
            if code.contains("fail") {
                return Err(CellError::new("Failed", code));
            }
            Ok(None)
        }
        fn complete(&self, _code: &str, cursor: usize) -> Completion {
            Completion {
                start: cursor,
                end: cursor,
                ..Completion::default()
            }
        }
        fn inspect(&self, _code: &str, _cursor: usize) -> Option<String> {
            None
        }
        fn is_complete(&self, _code: &str) -> IsComplete {
            IsComplete::Complete
        }
        fn interrupt_flag(&self) -> Arc<AtomicBool> {
            self.interrupt.clone()
        }
        fn kernel_info(&self) -> KernelInfo {
            KernelInfo {
                implementation: "recorder".into(),
                implementation_version: "0".into(),
                banner: String::new(),
                help_links: Vec::new(),
                language: LanguageInfo {
                    name: "text".into(),
                    version: "0".into(),
                    mimetype: "text/plain".into(),
                    file_extension: ".txt".into(),
                    pygments_lexer: "text".into(),
                    codemirror_mode: "text".into(),
                },
            }
        }
    }

    fn execute_request(code: &str, stop_on_error: bool, received: Instant) -> Request {
        let mut request = ExecuteRequest::new(code.to_string());
        request.stop_on_error = stop_on_error;
        let message = JupyterMessage::new(request, None);
        Request::Shell(Box::new(Incoming {
            message,
            content: Value::Null,
            parse_error: None,
            received,
        }))
    }

    /// Feed `requests` to a handler over `Recorder`; the codes it ran and the reply statuses.
    fn serve(requests: Vec<Request>) -> (Vec<String>, Vec<ReplyStatus>) {
        let (sender, receiver) = std::sync::mpsc::channel();
        for request in requests {
            sender.send(request).unwrap();
        }
        drop(sender);
        let (out, mut sent) = tokio::sync::mpsc::unbounded_channel();
        let backend = Recorder::default();
        let info = kernel_info_reply(&backend.kernel_info());
        let mut handler = Handler::new(backend, Outbox(out), info);
        handler.run(&receiver, &AtomicBool::new(false));
        let mut statuses = Vec::new();
        while let Ok(outgoing) = sent.try_recv() {
            if let Outgoing::Shell(JupyterMessage {
                content: JupyterMessageContent::ExecuteReply(reply),
                ..
            }) = outgoing
            {
                statuses.push(reply.status);
            }
        }
        (handler.backend.ran, statuses)
    }

    #[test]
    fn a_failed_cell_aborts_only_the_cells_that_arrived_before_it_ended() {
        let queued = Instant::now();
        // received after the failing cell ended, however quickly it is read off the channel
        let later = queued + Duration::from_secs(3600);
        let (ran, statuses) = serve(vec![
            execute_request("fail here", true, queued),
            execute_request("queued 1", true, queued),
            execute_request("queued 2", true, queued),
            execute_request("sent after the error", true, later),
        ]);
        assert_eq!(ran, ["fail here", "sent after the error"]);
        use ReplyStatus::{Aborted, Error, Ok};
        assert_eq!(statuses, [Error, Aborted, Aborted, Ok]);
    }

    #[test]
    fn without_stop_on_error_the_queued_cells_run() {
        let queued = Instant::now();
        let (ran, _) = serve(vec![
            execute_request("fail here", false, queued),
            execute_request("queued", true, queued),
        ]);
        assert_eq!(ran, ["fail here", "queued"]);
    }

    #[test]
    fn help_cells() {
        assert_eq!(help_request("?train"), Some("train"));
        assert_eq!(help_request("  train? \n"), Some("train"));
        assert_eq!(help_request("train??"), Some("train"));
        assert_eq!(help_request("a ?? b"), None);
        assert_eq!(help_request("x?.y"), None);
        assert_eq!(help_request("?"), None);
    }
}
