//! Messages leaving the kernel. Everything sent on shell and iopub goes through one ordered
//! [`Outbox`] (a channel to the socket task), so a cell's `busy`, outputs, reply and `idle` leave
//! in the order they were produced. [`WireOutput`] is the [`CellOutput`] a running cell writes to.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use jupyter_protocol::{
    DisplayData, JupyterMessage, JupyterMessageContent, Media, MediaType, StreamContent, Transient, UpdateDisplayData,
};
use tokio::sync::mpsc::UnboundedSender;

use super::backend::{CellOutput, Stream};
use super::display::media;
use crate::display::MimeBundle;

/// A message for one of the two sockets the socket task owns.
pub(crate) enum Outgoing {
    /// A reply on the shell socket.
    Shell(JupyterMessage),
    /// A broadcast on iopub.
    IoPub(JupyterMessage),
    /// Acknowledge once everything queued before it has been handed to the sockets.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The sending end of the socket task's queue. Sending never blocks; after the socket task has
/// stopped, messages are dropped.
#[derive(Clone)]
pub(crate) struct Outbox(pub UnboundedSender<Outgoing>);

impl Outbox {
    /// Broadcast `content` on iopub as a child of `parent`.
    pub fn iopub(&self, content: impl Into<JupyterMessageContent>, parent: &JupyterMessage) {
        let _ = self.0.send(Outgoing::IoPub(JupyterMessage::new(content, Some(parent))));
    }

    /// Reply to `parent` on the shell socket.
    pub fn reply(&self, content: impl Into<JupyterMessageContent>, parent: &JupyterMessage) {
        let _ = self.0.send(Outgoing::Shell(JupyterMessage::new(content, Some(parent))));
    }
}

/// How often a progress line may be redrawn.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

/// The output of the cell answering `parent`.
pub(crate) struct WireOutput {
    outbox: Outbox,
    parent: JupyterMessage,
    progress: Mutex<Progress>,
}

#[derive(Default)]
struct Progress {
    display_id: Option<String>,
    last_sent: Option<Instant>,
    pending: Option<String>,
}

impl WireOutput {
    /// Output for the cell of request `parent`.
    pub fn new(outbox: Outbox, parent: JupyterMessage) -> Self {
        Self {
            outbox,
            parent,
            progress: Mutex::new(Progress::default()),
        }
    }

    /// Show the last progress text if it has not been shown (call when the cell ends).
    pub fn finish(&self) {
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(text), Some(id)) = (progress.pending.take(), progress.display_id.clone()) {
            self.send_update(&id, &text);
        }
    }

    fn send_update(&self, id: &str, text: &str) {
        let data = Media::new(vec![MediaType::Plain(text.to_string())]);
        self.outbox.iopub(UpdateDisplayData::new(data, id), &self.parent);
    }
}

impl CellOutput for WireOutput {
    fn stream(&self, name: Stream, text: &str) {
        let content = match name {
            Stream::Stdout => StreamContent::stdout(text),
            Stream::Stderr => StreamContent::stderr(text),
        };
        self.outbox.iopub(content, &self.parent);
    }

    fn display(&self, value: MimeBundle) {
        self.outbox.iopub(DisplayData::new(media(&value)), &self.parent);
    }

    fn progress(&self, text: &str) {
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match progress.display_id.clone() {
            None => {
                let id = format!("brainclip-progress-{}", self.parent.header.msg_id);
                let mut display = DisplayData::new(Media::new(vec![MediaType::Plain(text.to_string())]));
                display.transient = Some(Transient {
                    display_id: Some(id.clone()),
                });
                self.outbox.iopub(display, &self.parent);
                progress.display_id = Some(id);
                progress.last_sent = Some(now);
            }
            Some(id)
                if progress
                    .last_sent
                    .is_none_or(|t| now.duration_since(t) >= PROGRESS_INTERVAL) =>
            {
                self.send_update(&id, text);
                progress.last_sent = Some(now);
                progress.pending = None;
            }
            Some(_) => progress.pending = Some(text.to_string()),
        }
    }
}
