"""The brainclip kernel over the wire, driven by real Jupyter clients.

Run by tests/kernel.rs (cargo test) with the venv of setup_venv.sh:
    BRAINCLIP_EXE=target/debug/brainclip python -m unittest -v test_conformance
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Any

from kernel_env import install_kernel

KERNEL_NAME = install_kernel()

# imported after the environment points Jupyter at the test kernelspec
import jupyter_kernel_test  # noqa: E402
import nbformat  # noqa: E402
import zmq  # noqa: E402
from jupyter_client.manager import KernelManager, start_new_kernel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# A small figure, and a training run long enough to interrupt (it checks the flag between batches).
FIGURE = 'plot_bars([#{ group: "a", series: "s", mean: 0.5 }], #{ title: "demo" })'
SETUP = "let god = god_synthetic(#{ voxels: 70, dim: 16 });"
LONG_TRAINING = SETUP + " train(mapping_net(god.train, #{ width: 32 }), god.train, #{ epochs: 100000, patience: () })"
SHORT_TRAINING = SETUP + " let m = train(mapping_net(god.train, #{ width: 32 }), god.train, #{ epochs: 20 }); 25"


class BrainclipKernelTests(jupyter_kernel_test.KernelTests):
    """jupyter_kernel_test's protocol conformance suite."""

    kernel_name = KERNEL_NAME
    language_name = "rhai"
    file_extension = ".rhai"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'debug("to stderr")'

    completion_samples = [
        {"text": "god_synth", "matches": {"god_synthetic"}},
        {"text": "train(net, data, #{ epo", "matches": {"epochs"}},
        {"text": "let my_long_name = 1; my_lo", "matches": {"my_long_name"}},
    ]
    complete_code_samples = ["1 + 2", "let x = 1;", "fn f(x) { x }", 'print("a")', "// comment"]
    incomplete_code_samples = ["fn f(x) {", "let a = [1,", 'let s = "abc', "if x > 1 {\n  print(x);", "let y = 1 +"]
    invalid_code_samples = ["let = 3;", "x)", "let x = 1 2;"]

    code_page_something = "?train"
    code_generate_error = 'load_table("no/such/file.csv")'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "let s = 40; s + 2", "result": "42"},
        {"code": "#{ top1: 0.2, top5: 0.6 }", "mime": "text/html"},
        {"code": '[#{ model: "ridge", top1: 0.2 }]', "mime": "text/html"},
    ]
    code_display_data = [
        {"code": FIGURE, "mime": "image/png"},
        {"code": FIGURE, "mime": "image/svg+xml"},
    ]
    code_history_pattern = "1 +*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "train"

    def test_kernel_info_language(self) -> None:
        self.flush_channels()
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=15)
        info = reply["content"]["language_info"]
        self.assertEqual(info["mimetype"], "text/x-rhai")
        self.assertEqual(info["file_extension"], ".rhai")
        self.assertIn("pygments_lexer", info)
        self.assertIn("codemirror_mode", info)
        self.assertTrue(info["version"])
        self.assertEqual(reply["content"]["implementation"], "brainclip")

    def test_comm_info(self) -> None:
        self.flush_channels()
        self.kc.comm_info()
        reply = self.kc.get_shell_msg(timeout=15)
        jupyter_kernel_test.msgspec_v5.validate_message(reply, "comm_info_reply")
        self.assertEqual(reply["content"]["comms"], {})

    def test_execution_count_increments(self) -> None:
        self.flush_channels()
        first, _ = self.execute_helper("1")
        second, _ = self.execute_helper("2")
        self.assertEqual(second["content"]["execution_count"], first["content"]["execution_count"] + 1)
        silent, _ = self.execute_helper("3", silent=True)
        third, _ = self.execute_helper("4")
        self.assertEqual(third["content"]["execution_count"], second["content"]["execution_count"] + 1)


class IopubWelcome(jupyter_kernel_test.IopubWelcomeTests):
    """JEP 65: new iopub subscribers are greeted."""

    kernel_name = KERNEL_NAME
    support_iopub_welcome = True


def run_cell(kc: Any, code: str, timeout: float = 30, **options: Any) -> tuple[dict, list[dict]]:
    """Execute `code`; return its execute_reply and its iopub messages (busy..idle excluded)."""
    msg_id = kc.execute(code, **options)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    outputs = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                return reply, outputs
            continue
        outputs.append(msg)
    raise AssertionError(f"no idle status after {code!r}")


def result_text(outputs: list[dict]) -> str | None:
    for msg in outputs:
        if msg["msg_type"] == "execute_result":
            return msg["content"]["data"]["text/plain"]
    return None


class OneKernel(unittest.TestCase):
    """Tests that share one kernel, started for the class."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.km, cls.kc = start_new_kernel(kernel_name=KERNEL_NAME)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.kc.stop_channels()
        cls.km.shutdown_kernel()


class Robustness(OneKernel):
    """Interrupts, errors, panics and bad messages never kill the kernel or lose its state."""

    def assert_alive(self) -> None:
        reply, outputs = run_cell(self.kc, "1 + 1")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(result_text(outputs), "2")
        self.assertTrue(self.km.is_alive())

    def interrupt_after(self, code: str, delay: float) -> tuple[dict, list[dict], float]:
        msg_id = self.kc.execute(code)
        time.sleep(delay)
        start = time.monotonic()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        elapsed = time.monotonic() - start
        outputs = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=10)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            outputs.append(msg)
        return reply, outputs, elapsed

    def test_interrupt_native_loop_keeps_state(self) -> None:
        self.assertEqual(self.km.kernel_spec.interrupt_mode, "message")
        run_cell(self.kc, "let kept = 41;")
        reply, outputs, elapsed = self.interrupt_after(LONG_TRAINING, 2.0)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.assertLess(elapsed, 5.0)
        self.assertTrue(any(m["msg_type"] == "error" for m in outputs))
        # progress was shown while it ran
        self.assertTrue(any(m["msg_type"] == "display_data" for m in outputs))
        reply, outputs = run_cell(self.kc, "kept + 1")
        self.assertEqual(result_text(outputs), "42")

    def test_interrupt_script_loop(self) -> None:
        reply, _, elapsed = self.interrupt_after("let n = 0; loop { n += 1; }", 0.5)
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.assertLess(elapsed, 5.0)
        self.assert_alive()

    def test_sigint_interrupts_too(self) -> None:
        run_cell(self.kc, "let before_sigint = 1;")
        msg_id = self.kc.execute(LONG_TRAINING)
        time.sleep(2.0)
        self.km.provisioner.process.send_signal(signal.SIGINT)
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        _, outputs = run_cell(self.kc, "before_sigint + 1")
        self.assertEqual(result_text(outputs), "2")

    def test_error_points_at_the_cell_line_and_next_cell_runs(self) -> None:
        run_cell(self.kc, "let a = 1;")
        reply, outputs = run_cell(self.kc, "let b = 2;\nlet c = a + nope;")
        content = reply["content"]
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "UnknownVariable")
        self.assertIn("nope", content["evalue"])
        traceback = "\n".join(content["traceback"])
        self.assertRegex(traceback, r"<cell \d+>:2:13")
        self.assertIn("2 | let c = a + nope;", traceback)
        errors = [m for m in outputs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["content"]["traceback"], content["traceback"])
        reply, outputs = run_cell(self.kc, "a + b")
        self.assertEqual(result_text(outputs), "3")

    def test_syntax_error(self) -> None:
        reply, _ = run_cell(self.kc, "let x = 1;\nlet = 2;")
        self.assertEqual(reply["content"]["ename"], "SyntaxError")
        self.assertRegex("\n".join(reply["content"]["traceback"]), r"<cell \d+>:2:")
        self.assert_alive()

    def test_progress_is_updated_in_place(self) -> None:
        reply, outputs = run_cell(self.kc, SHORT_TRAINING)
        self.assertEqual(reply["content"]["status"], "ok")
        shown = [m for m in outputs if m["msg_type"] == "display_data"]
        updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(shown), 1)
        display_id = shown[0]["content"]["transient"]["display_id"]
        self.assertGreaterEqual(len(updates), 1)
        self.assertTrue(all(u["content"]["transient"]["display_id"] == display_id for u in updates))
        last = updates[-1]["content"]["data"]["text/plain"]
        self.assertRegex(last, r"training .* (\d+)/\1 steps")
        self.assertEqual(result_text(outputs), "25")

    def test_streams_in_order(self) -> None:
        _, outputs = run_cell(self.kc, 'print("one"); debug("two"); print("three");')
        streams = [(m["content"]["name"], m["content"]["text"]) for m in outputs if m["msg_type"] == "stream"]
        self.assertEqual(streams, [("stdout", "one\n"), ("stderr", '"two"\n'), ("stdout", "three\n")])

    def test_malformed_messages_are_dropped(self) -> None:
        # a message with a bad signature
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.connect(f"{self.km.transport}://{self.km.ip}:{self.km.shell_port}")
        sock.send_multipart([b"<IDS|MSG>", b"0" * 64, b"{}", b"{}", b"{}", b"{}"])
        sock.send_multipart([b"not a jupyter message"])
        time.sleep(0.2)
        sock.close(linger=0)
        # a correctly signed execute_request without code: an error reply, not a crash
        msg = self.kc.session.msg("execute_request", {"silent": False})
        self.kc.shell_channel.send(msg)
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg["header"]["msg_id"])
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "BadRequest")
        self.assert_alive()

    def test_unicode_cursor_positions(self) -> None:
        code = 'let é = "ü"; god_synth'
        self.kc.complete(code, len(code))
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["content"]["matches"], ["god_synthetic"])
        self.assertEqual(reply["content"]["cursor_start"], len(code) - len("god_synth"))
        self.assertEqual(reply["content"]["cursor_end"], len(code))


class CellSemantics(OneKernel):
    """What a notebook user expects of cells beyond the conformance suite."""

    def test_functions_are_kept_across_cells(self) -> None:
        reply, _ = run_cell(self.kc, "fn twice(x) { 2 * x }")
        self.assertEqual(reply["content"]["status"], "ok")
        _, outputs = run_cell(self.kc, "twice(21)")
        self.assertEqual(result_text(outputs), "42")
        self.kc.complete("twi", 3)
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertIn("twice", reply["content"]["matches"])

    def test_user_expressions(self) -> None:
        expressions = {"next": "ue + 1", "bad": "ue +* 1", "figure": FIGURE, "unit": "()"}
        reply, _ = run_cell(self.kc, "let ue = 20;", user_expressions=expressions)
        values = reply["content"]["user_expressions"]
        self.assertEqual(values["next"], {"status": "ok", "data": {"text/plain": "21"}, "metadata": {}})
        self.assertEqual(values["bad"]["status"], "error")
        self.assertEqual(values["bad"]["ename"], "SyntaxError")
        self.assertIn("image/png", values["figure"]["data"])
        self.assertEqual(values["unit"]["data"], {"text/plain": "()"})
        # not evaluated after a failed cell
        reply, _ = run_cell(self.kc, "nope", user_expressions={"next": "ue + 1"})
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["user_expressions"], {})

    def collect_replies(self, msg_ids: list[str]) -> dict[str, dict]:
        replies: dict[str, dict] = {}
        while len(replies) < len(msg_ids):
            msg = self.kc.get_shell_msg(timeout=30)
            if msg["parent_header"].get("msg_id") in msg_ids:
                replies[msg["parent_header"]["msg_id"]] = msg["content"]
        return replies

    def test_a_failed_cell_aborts_the_cells_queued_behind_it(self) -> None:
        # "Run all": the failing cell runs for a moment while two more wait behind it
        failing = self.kc.execute('let t = 0; for i in 0..300000 { t += i; } throw "stop here";')
        queued = [self.kc.execute("let after_failure = 1;"), self.kc.execute("2 + 2")]
        replies = self.collect_replies([failing, *queued])
        self.assertEqual(replies[failing]["status"], "error")
        self.assertEqual([replies[q]["status"] for q in queued], ["aborted", "aborted"])
        reply, _ = run_cell(self.kc, "after_failure")
        self.assertEqual(reply["content"]["ename"], "UnknownVariable")
        # with stop_on_error off, the queued cell runs
        failing = self.kc.execute('let t = 0; for i in 0..300000 { t += i; } throw "go on";', stop_on_error=False)
        queued = [self.kc.execute("40 + 2")]
        replies = self.collect_replies([failing, *queued])
        self.assertEqual(replies[failing]["status"], "error")
        self.assertEqual(replies[queued[0]]["status"], "ok")


class Shutdown(unittest.TestCase):
    def test_shutdown_request_ends_the_process(self) -> None:
        km = KernelManager(kernel_name=KERNEL_NAME)
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=30)
            kc.shutdown()
            reply = kc.get_control_msg(timeout=10)
            self.assertEqual(reply["msg_type"], "shutdown_reply")
            deadline = time.monotonic() + 10
            while km.is_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertFalse(km.is_alive(), "the kernel did not exit after shutdown_request")
            self.assertEqual(km.provisioner.process.returncode, 0)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def test_heartbeat(self) -> None:
        km, kc = start_new_kernel(kernel_name=KERNEL_NAME)
        try:
            time.sleep(1.5)
            self.assertTrue(kc.hb_channel.is_beating())
        finally:
            kc.stop_channels()
            km.shutdown_kernel()


class Notebook(unittest.TestCase):
    def test_notebook_runs_with_nbclient(self) -> None:
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell("let fig = " + FIGURE + ';\nprint("hello from the notebook");'),
            nbformat.v4.new_code_cell("fig"),
            nbformat.v4.new_code_cell('[#{ model: "ridge", top1: 0.2 }]'),
            nbformat.v4.new_code_cell(SHORT_TRAINING),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "demo.ipynb")
            nbformat.write(nb, path)
            run = subprocess.run(
                [sys.executable, os.path.join(HERE, "run_notebook.py"), path, KERNEL_NAME, "--json",
                 "--expect", "image/png", "--expect", "text/html", "--expect", "stream"],
                capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            summary = json.loads(run.stdout)
            self.assertEqual(summary["errors"], [])
            self.assertIn("image/svg+xml", summary["mime_types"])

            bad = nbformat.v4.new_notebook()
            bad.cells = [nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("let x = nope;")]
            nbformat.write(bad, path)
            run = subprocess.run(
                [sys.executable, os.path.join(HERE, "run_notebook.py"), path, KERNEL_NAME, "--json"],
                capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
            errors = json.loads(run.stdout)["errors"]
            self.assertEqual([(e["cell"], e["ename"]) for e in errors], [(1, "UnknownVariable")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
