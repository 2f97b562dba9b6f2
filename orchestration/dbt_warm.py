"""A warm dbt for a run's commands: dbt-core and its DuckDB adapter imported ahead.

dagster-dbt starts its dbt executable as a new process for every command and reads its output;
dbt's imports alone take ~1.8 s of that process on a 2-core machine, every run, on the path
to the build, and `dbt docs generate` after it pays them again, with dbt's first-use costs
(docs/performance.md). So the dbt resource starts, with the first run of a process, a process
that imports dbt while the run ingests and validates its files (`WarmDbt.shared`), and the executable of the
run's dbt commands is `spaser-dbt` (`client_main`), which hands its command to that process:

- with a warm process's socket in SPASER_DBT_WARM, it sends its arguments, environment and
  working directory and its three standard streams (SCM_RIGHTS); the warm process puts them in
  place and runs dbt's command line in itself, exactly as the `dbt` script would, lets go of the
  streams and the warehouse, and reports the exit code, which `spaser-dbt` exits with;
- without one (none started, or gone), it runs dbt's command line in itself: the `dbt` script,
  with nothing changed.

dagster-dbt sees the same output and exit code either way. A warm process runs one command at a
time (a run's build, then its docs, then the next run's); it exits when the process that
started it closes its stdin (it ended, or died). Signals to `spaser-dbt` (dagster-dbt's and `_stop`'s SIGINT) are passed on to
it; if `spaser-dbt` is killed, the warm process ends: dbt never outlives the process that
started it.

Nothing is imported here beyond the standard library: `spaser-dbt` starts in milliseconds.
"""

from __future__ import annotations

import atexit
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
import traceback
from pathlib import Path

ENV = "SPASER_DBT_WARM"
EXECUTABLE = str(Path(sys.executable).with_name("spaser-dbt"))
_MESSAGE = 1 << 20  # one request: arguments and environment, a few kB


def _dbt_cli() -> int:
    """dbt's command line on sys.argv, as the `dbt` script runs it; its exit code, or minus the
    signal that would have ended the script (an interruption dbt does not handle itself)."""
    from dbt.cli.main import cli

    try:
        cli(prog_name="dbt")  # click would name a `python -m` process after its module
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        traceback.print_exc()
        return -signal.SIGINT
    except Exception:  # noqa: BLE001 - reported as Python reports an uncaught exception
        traceback.print_exc()
        return 1
    return 0


def _exit(code: int) -> int:
    """Exit as a process whose command ended with `code` (minus a signal: killed by it)."""
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


# --------------------------------------------------------------------------- spaser-dbt


def client_main() -> int:
    """`spaser-dbt ARGS`: `dbt ARGS`, run by the warm process when there is one."""
    path = os.environ.pop(ENV, None)  # not dbt's: never passed on
    sys.argv[0] = "dbt"
    code = _through_warm(path) if path else None
    return _exit(_dbt_cli() if code is None else code)


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
    forwarded: list[int] = []

    def forward(signum, _frame):  # dbt stops as it would if it were this process
        forwarded.append(signum)
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    reply = conn.recv(_MESSAGE)
    if reply:
        return json.loads(reply)["exit"]
    # it ended without an exit code: ended by the signal passed on (SIGTERM), or killed
    return -signal.SIGTERM if signal.SIGTERM in forwarded else -signal.SIGKILL


# --------------------------------------------------------------------------- the warm process


def serve(path: str) -> int:
    """The warm process: listen at `path`, import dbt, then run the commands that come, one at
    a time, until stdin closes."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(4)  # a client may connect during the imports: it waits for the reply
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the run's to handle
    from multiprocessing import resource_tracker

    import dbt.adapters.duckdb  # noqa: F401 - the point of this process
    import dbt.cli.main  # noqa: F401

    # dbt's commands use multiprocessing, whose resource tracker is a process started on first
    # use that lives as long as this one, with the streams of that moment: started here, it
    # holds this process's, never a command's output (which would then never end)
    resource_tracker.ensure_running()
    own = [os.dup(fd) for fd in (0, 1, 2)]  # this process's streams, between two commands
    while True:
        ready, _, _ = select.select([listener, 0], [], [])
        if listener not in ready:  # the run ended
            return 0
        conn, _ = listener.accept()
        with conn:
            _command(conn, own)


def _command(conn: socket.socket, own: list[int]) -> None:
    """Run one client's command on its streams, environment and working directory."""
    message, fds, _, _ = socket.recv_fds(conn, _MESSAGE, 3)
    if not message:  # the client went away before asking
        return
    request = json.loads(message)
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["args"]]
    done = threading.Event()
    threading.Thread(target=_exit_with, args=(conn, done), daemon=True, name="client-watch").start()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    conn.send(json.dumps({"pid": os.getpid()}).encode())
    try:
        code = _dbt_cli()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _release_warehouse()
        sys.stdout.flush()
        sys.stderr.flush()
        # the client's output ends when no process writes it: this one lets go before it answers
        for target, fd in zip((0, 1, 2), own, strict=True):
            os.dup2(fd, target)
        done.set()
    conn.send(json.dumps({"exit": code}).encode())
    conn.shutdown(socket.SHUT_RDWR)


def _release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after a command (its
    `close_all_connections` only forgets it): left open, it would hold the warehouse's lock
    against the run's own connections until this process ends. A private attribute of
    dbt-duckdb: tests/test_dbt_warm.py fails if an upgrade renames it."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
    DuckDBConnectionManager.close_all_connections()


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


_SHARED_LOCK = threading.Lock()
_shared: WarmDbt | None = None


class WarmDbt:
    """A warm dbt process (`shared()`: the one of this process's runs)."""

    def __init__(self, process: subprocess.Popen, folder: str):
        self.process = process
        self.folder = folder
        self.socket = str(Path(folder) / "dbt.sock")
        self.taken = False

    def take(self, timeout: float = 5) -> str | None:
        """The socket for a command: once the process listens, tens of milliseconds after it
        started; None if it ended (a killed command ends it) or does not listen in time."""
        self.taken = True
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                return None
            time.sleep(0.01)
        return self.socket

    @classmethod
    def shared(cls) -> WarmDbt:
        """This process's warm dbt: started by its first run, kept for the next ones (a
        backfill's semesters, a test worker's runs), where dbt is warm from the commands before
        (docs/performance.md); a new one when the last has ended (a killed command ends it).
        Stopped when this process exits."""
        global _shared
        with _SHARED_LOCK:
            if _shared is None or _shared.process.poll() is not None:
                _shared = cls.start()
                atexit.register(_shared.stop)
            return _shared

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
        """End it, without waiting: one never given a command is killed (it holds nothing); the
        others exit when their stdin closes, as soon as they wait for a command (the run's
        commands are over by then), their interpreter's exit (~0.4 s) off the run's path. One
        still there after `timeout` is killed."""
        if self.process.stdin:
            self.process.stdin.close()
        if not self.taken:
            self.process.kill()
        threading.Thread(target=self._reap, args=(timeout,), daemon=True, name="dbt-warm-reap").start()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _reap(self, timeout: float) -> None:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))  # a normal exit: multiprocessing cleans up what dbt left
