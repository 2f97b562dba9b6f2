"""A warm dbt for a run's build: dbt-core and its DuckDB adapter imported ahead.

dagster-dbt starts its dbt executable as a new process for every command and reads its output;
dbt's imports alone take ~1.8 s of that process on a 2-core machine, every run, on the path
to the build (docs/performance.md). So the dbt resource starts, with the run, a process that
imports dbt while the run ingests and validates its files (`WarmDbt.start`), and the executable
dagster-dbt starts is `spaser-dbt` (`client_main`), which hands its command to that process:

- with a warm process's socket in SPASER_DBT_WARM, it sends its arguments, environment and
  working directory and its three standard streams (SCM_RIGHTS); the warm process puts them in
  place and runs dbt's command line in itself, exactly as the `dbt` script would, and reports its
  exit code, which `spaser-dbt` exits with;
- without one (none started, already used, gone before it answered), it runs dbt's command line
  in itself: the `dbt` script, with nothing changed.

dagster-dbt sees the same output and exit code either way. A warm process runs one command,
then exits; it exits too when the run's process closes its stdin (the run ended, or died).
Signals to `spaser-dbt` (dagster-dbt's and `_stop`'s SIGINT) are passed on to it; if
`spaser-dbt` is killed, it stops: dbt never outlives the process that started it.

Nothing is imported here beyond the standard library: `spaser-dbt` starts in milliseconds.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ENV = "SPASER_DBT_WARM"
EXECUTABLE = str(Path(sys.executable).with_name("spaser-dbt"))
_MESSAGE = 1 << 20  # one request: arguments and environment, a few kB


def _dbt_cli() -> int:
    """dbt's command line on sys.argv, as the `dbt` script runs it; its exit code."""
    from dbt.cli.main import cli

    try:
        cli(prog_name="dbt")  # click would name a `python -m` process after its module
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


# --------------------------------------------------------------------------- spaser-dbt


def client_main() -> int:
    """`spaser-dbt ARGS`: `dbt ARGS`, run by the warm process when there is one."""
    path = os.environ.pop(ENV, None)  # not dbt's: never passed on
    sys.argv[0] = "dbt"
    code = _through_warm(path) if path else None
    return _dbt_cli() if code is None else code


def _through_warm(path: str) -> int | None:
    """The command's exit code from the warm process at `path`; None when no warm process took
    it (the caller runs dbt itself)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(path)
        request = {"args": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        reply = conn.recv(_MESSAGE)  # sent once its imports are done
    except OSError:
        conn.close()
        return None
    if not reply:  # it ended without taking the command
        conn.close()
        return None
    pid = json.loads(reply)["pid"]

    def forward(signum, _frame):  # dbt stops as it would if it were this process
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    reply = conn.recv(_MESSAGE)
    if reply:
        return json.loads(reply)["exit"]
    os.kill(os.getpid(), signal.SIGKILL)  # it ended without an exit code: it was killed
    return 128 + signal.SIGKILL


# --------------------------------------------------------------------------- the warm process


def serve(path: str) -> int:
    """The warm process: listen at `path`, import dbt, run the one command that comes, or exit
    when stdin closes first."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(1)  # a client may connect during the imports: it waits for the reply
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the run's to handle
    import dbt.adapters.duckdb  # noqa: F401 - the point of this process
    import dbt.cli.main  # noqa: F401

    ready, _, _ = select.select([listener, sys.stdin], [], [])
    if listener not in ready:
        return 0
    conn, _ = listener.accept()
    listener.close()
    os.unlink(path)  # one command: the next client runs dbt itself
    message, fds, _, _ = socket.recv_fds(conn, _MESSAGE, 3)
    request = json.loads(message)
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["args"]]
    signal.signal(signal.SIGINT, signal.default_int_handler)
    conn.send(json.dumps({"pid": os.getpid()}).encode())
    done = threading.Event()
    threading.Thread(target=_exit_with, args=(conn, done), daemon=True, name="client-watch").start()
    code = _dbt_cli()
    sys.stdout.flush()
    sys.stderr.flush()
    done.set()
    conn.send(json.dumps({"exit": code}).encode())
    return code


def _exit_with(conn: socket.socket, done: threading.Event) -> None:
    """Stop when `spaser-dbt` is gone before the command ended (killed): nothing reads its
    output any more, and dbt must not go on writing the warehouse."""
    try:
        while conn.recv(1):
            pass
    except OSError:
        pass
    if not done.is_set():
        os.kill(os.getpid(), signal.SIGKILL)


class WarmDbt:
    """A warm process started by the run (the dbt resource's setup), stopped with it."""

    def __init__(self, process: subprocess.Popen, folder: str):
        self.process = process
        self.folder = folder
        self.socket = str(Path(folder) / "dbt.sock")
        self.used = False

    def take(self, timeout: float = 5) -> str | None:
        """The socket of the first command (None for later ones): once the process listens,
        tens of milliseconds after it started; None if it ended or does not listen in time."""
        if self.used:
            return None
        self.used = True
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                return None
            time.sleep(0.01)
        return self.socket

    @classmethod
    def start(cls) -> WarmDbt:
        folder = tempfile.mkdtemp(prefix="spaser-dbt-")  # 0700: only this user connects
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.dbt_warm", str(Path(folder) / "dbt.sock")],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[1],
        )
        return cls(process, folder)

    def stop(self, timeout: float = 10) -> None:
        """End it: an unused one at once (it holds nothing), one that took a command once the
        command ended (its client is gone by then: the dbt step is over)."""
        try:
            if self.process.stdin:
                self.process.stdin.close()
            if not self.used:
                self.process.kill()
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    os._exit(serve(sys.argv[1]))
