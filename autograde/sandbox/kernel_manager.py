"""The grader's end of a sandboxed kernel: jupyter_client's manager, client and session, with
caps on what a kernel's messages may cost the grader."""
from __future__ import annotations

import asyncio
import re
import sys
import time
import uuid
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import Session
from traitlets import DottedObjectName, default

from .bwrap import bwrap_env
from .kernel import KernelSandbox
from .kernel_template_client import WarmProvisioner
from .settings import MB

#: ``Sandbox.max_output_mb``; one message could otherwise be as large as the kernel's memory).
MAX_MESSAGE_BYTES = 64 * MB
#: Messages a socket of the grader queues before it stops reading from the kernel (ZeroMQ's
#: default is 1000, each up to MAX_MESSAGE_BYTES: gigabytes, queued before the grader looks
#: at them). When the queue is full the kernel's side waits (or, for its output socket,
#: drops what it cannot send): the backlog is in the sandbox's memory, not the grader's.
RECEIVE_QUEUE_MESSAGES = 4
#: Milliseconds between the grader's attempts to connect to a kernel's sockets. The grader
#: connects as soon as the kernel is started, before the kernel has made its sockets (a warm
#: kernel makes them about 0.1 s after its fork); ZeroMQ's default retries every 100 ms, so
#: that a kernel waited, on average, 50 ms for each of its grader's sockets to arrive.
RECONNECT_MS = 5


#: Most JSON values (the Python objects that parsing makes) one message may hold. Parsing
#: multiplies what a value costs: the 3 bytes of ``[],`` become a 64-byte list, so that one
#: message within MAX_MESSAGE_BYTES could take gigabytes of the grader's memory before any
#: budget can look at it. Honest messages are a few dozen values and long strings (text,
#: base64 images, the evidence's pickles); a big JSON output (a plotly figure) a few 10 000.
MAX_MESSAGE_VALUES = 1_000_000
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')


def json_values(text: bytes, limit: int = MAX_MESSAGE_VALUES) -> int:
    """At most how many values parsing the JSON ``text`` makes: one per separator (``,``,
    ``:``) and container, plus one; a string is one value whatever it holds. (Strings are
    looked into only when a first, fast count passes ``limit``.)"""
    def count(text: bytes) -> int:
        return sum(text.count(mark) for mark in (b",", b":", b"[", b"{")) + 1

    values = count(text)  # fast; commas inside strings (printed text) count too
    if values > limit:  # slower, in little memory: without what the strings hold
        values -= sum(count(match.group()) - 1 for match in _JSON_STRING.finditer(text))
    return values


class SandboxedSession(Session):
    """jupyter_client's Session, which refuses to parse a message of too many JSON values.

    The refusal is an error where the grader reads the kernel's messages: the notebook
    stops there, is graded, and is flagged (:class:`SandboxedExecute`).
    """

    def deserialize(self, msg_list, content=True, copy=True):
        if content:
            values = sum(json_values(frame if isinstance(frame, bytes) else bytes(frame))
                         for frame in msg_list[1:5])  # header, parent, metadata, content
            if values > MAX_MESSAGE_VALUES:
                raise ValueError(f"a message of more than {MAX_MESSAGE_VALUES} JSON values "
                                 f"({values}), not parsed")
        return super().deserialize(msg_list, content=content, copy=copy)


def _grader_context() -> zmq.asyncio.Context:
    """A ZeroMQ context whose sockets take at most MAX_MESSAGE_BYTES a message and queue at
    most RECEIVE_QUEUE_MESSAGES from a sandboxed kernel."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # for every socket made from it
    context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE_MESSAGES)
    context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
    return context


#: How long, after the kernel's answer to ``kernel_info``, its output channel may stay silent
#: before the request is sent again (jupyter_client's own figure: the channel may not be
#: connected yet, and what was published before it was is lost).
OUTPUT_CHANNEL_SECONDS = 0.2


class SandboxedKernelClient(AsyncKernelClient):
    """The grader's end of a sandboxed kernel's sockets, with caps on what they hold."""

    @default("context")
    def _context_default(self):
        self._created_context = True  # ours to destroy, as jupyter_client's default is
        return _grader_context()

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers ``kernel_info`` on its request channel and the
        answer's "idle" arrives on its output channel: then both are connected and everything
        the kernel published before is read. jupyter_client's own wait ends by listening to the
        output channel until it has been silent for 0.2 s, which it always is by then: a fifth
        of a second of every notebook's grading spent waiting. Raises RuntimeError as
        jupyter_client's does (the kernel died, or did not answer within ``timeout``)."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            reply = await self._next_message(self.shell_channel, 1.0)
            if reply is not None and reply["msg_type"] == "kernel_info_reply" \
                    and await self._idle_seen(request, OUTPUT_CHANNEL_SECONDS):
                self._handle_kernel_info_reply(reply)
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _idle_seen(self, request: str, seconds: float) -> bool:
        """Whether the output channel carries, within ``seconds``, the "idle" that ends
        ``request`` (what comes before it, an earlier request's messages too, is read and
        dropped, as jupyter_client's wait drops it). False at once on the kernel's welcome to
        the channel: the welcome comes when the grader's end has connected, and what the
        kernel published before is lost, perhaps that "idle" too; asking again costs the
        kernel a few milliseconds, waiting out the ``seconds`` a fifth of a second."""
        end = time.monotonic() + seconds
        while (message := await self._next_message(self.iopub_channel, end - time.monotonic())) is not None:
            if message["msg_type"] == "iopub_welcome":
                return False
            if message["msg_type"] == "status" and message["content"].get("execution_state") == "idle" \
                    and message["parent_header"].get("msg_id") == request:
                return True
        return False

    @staticmethod
    async def _next_message(channel, seconds: float):
        """The channel's next message, or None when none comes within ``seconds``."""
        if seconds <= 0:
            return None
        try:
            return await channel.get_msg(timeout=seconds)
        except Empty:
            return None


class SandboxedKernelManager(AsyncKernelManager):
    """An ipykernel started inside a :class:`KernelSandbox` (for nbclient).

    The kernel is ``python -m ipykernel_launcher`` of this interpreter, whatever the
    notebook's kernelspec says; it talks over IPC sockets in the sandbox's IPC folder
    (TCP cannot cross the sandbox's empty network namespace); interrupts are sent as
    messages (a SIGINT would reach bwrap, not the kernel). In a warm template's sandbox
    (``sandbox.forked``) the kernel is not started but forked from the template
    (:class:`~.kernel_template_client.WarmProvisioner`), with the same arguments.
    """

    client_class = DottedObjectName("autograde.sandbox.kernel_manager.SandboxedKernelClient")

    @default("client_factory")
    def _client_factory_default(self):
        # AsyncKernelManager's own default (AsyncKernelClient) would win over client_class:
        # without this the caps above never reached the client that reads the kernel.
        return SandboxedKernelClient

    @default("context")
    def _context_default(self):
        self._created_context = True  # ours to destroy, as jupyter_client's default is
        return _grader_context()  # the manager's own control socket, too

    @default("session")
    def _session_default(self):
        return SandboxedSession(parent=self)  # the client's too (manager.client() gives it a clone)

    def __init__(self, *, sandbox: KernelSandbox, **kwargs):
        self.sandbox = sandbox
        super().__init__(transport="ipc", ip=str(sandbox.ipc / "kernel"),
                         connection_file=str(sandbox.ipc / "kernel.json"), **kwargs)

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (grading sandbox)", language="python",
                interrupt_mode="message", name="python3")
        return self._kernel_spec

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return self.sandbox.command(super().format_kernel_cmd(extra_arguments))

    async def _async_pre_start_kernel(self, **kw):
        if self.sandbox.forked:
            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            self.provisioner = self.provisioner or WarmProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
            self.sandbox.give_to_sandbox(self.connection_file)
            return kernel_cmd, kw
        kw["cwd"] = str(self.sandbox.root)  # bwrap's own; the kernel's is set with --chdir
        kw["stdout"] = kw["stderr"] = open(self.sandbox.output_path, "ab")  # noqa: SIM115
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # both made with the command line
        kw["pass_fds"] = (self.sandbox.init.write_fd, self.sandbox.seccomp_fd)
        kw["env"] = bwrap_env()  # not the grader's: the sandbox's init would keep it
        self.sandbox.give_to_sandbox(self.connection_file)  # written by pre_launch
        return kernel_cmd, kw

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            if "stdout" in kw:
                kw["stdout"].close()  # the kernel has its own copy of the descriptor
        self.sandbox.watch(self.provisioner.process)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        """Wait until the kernel has ended, looking after 1 ms, then less and less often, up to
        every ``pollinterval``: jupyter_client looks every 0.1 s, and a grading kernel asked to
        stop ends within milliseconds, so that its fixed interval was most of the stop."""
        pause = 0.001
        while await self._async_is_alive():
            await asyncio.sleep(pause)
            pause = min(2 * pause, pollinterval)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self.sandbox.stop_watching()
        await super()._async_cleanup_resources(restart=restart)

