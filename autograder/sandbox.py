"""Where and how a submission's kernel runs: limits, isolation, and clean-up.

Each submission gets its own kernel in a fresh private folder. What is enforced
depends on what the machine offers; `capabilities()` finds out once and
`Sandbox.warnings` says what is missing:

- network namespace (`unshare --net`; root or user namespaces): no network at all.
- PID namespace (`--pid --fork --kill-child`): every process the submission starts
  dies with it, detached ones included.
- mount namespace: tmpfs over the gradebook, the other submissions, the solutions and
  other sandboxes; every file system read-only except the submission's own folder.
- `setpriv`: no capabilities, no_new_privs, and the user `nobody` where the Python
  interpreter is readable by it (root only).
- cgroup v1 or v2 (root): memory limit with OOM detection, process limit.
- rlimits (always): file size, core dumps, open files; memory (address space) and
  process count where cgroups are missing.
- watchdog (always): wall-clock limit per submission; nbclient's per-cell timeout.

The kernel talks to the grader over Unix sockets (ZeroMQ `ipc`), so it needs no
network interface.
"""

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from jupyter_client import AsyncKernelManager

GIB = 1 << 30
SANDBOX_USER = "nobody"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission."""

    memory_bytes: int = 4 * GIB
    max_processes: int = 256  # processes and threads (TensorFlow starts many threads)
    cell_seconds: int = 120
    submission_seconds: int = 900
    file_bytes: int = 1 * GIB
    output_bytes: int = 1 << 20  # per cell; the rest is dropped with a notice

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Expected {name} to be a positive integer, received: {value!r}")


@dataclass(frozen=True)
class Capabilities:
    root: bool
    unshare: bool  # namespaces usable (as root, or through a user namespace)
    user_namespace: bool
    cgroup: str  # "v1", "v2" or ""
    sandbox_uid: int | None


@cache
def capabilities() -> Capabilities:
    root = os.geteuid() == 0
    unshare = shutil.which("unshare")
    flags = ["--net", "--pid", "--mount", "--fork", "--kill-child"]
    works_as_root = bool(unshare) and root and _runs([unshare, *flags, "true"])
    user_ns = (
        bool(unshare) and not root and _runs([unshare, "--user", "--map-root-user", *flags, "true"])
    )
    cgroup = ""
    if root:
        if (
            Path("/sys/fs/cgroup/memory/cgroup.procs").exists()
            and Path("/sys/fs/cgroup/pids/cgroup.procs").exists()
        ):
            cgroup = "v1"
        elif Path("/sys/fs/cgroup/cgroup.controllers").exists():
            controllers = Path("/sys/fs/cgroup/cgroup.controllers").read_text().split()
            cgroup = "v2" if {"memory", "pids"} <= set(controllers) else ""
    uid = None
    if root and shutil.which("setpriv") and (works_as_root or user_ns):
        try:
            uid = pwd.getpwnam(SANDBOX_USER).pw_uid
        except KeyError:
            uid = None
        if uid is not None and not _user_can_start_python(uid):
            uid = None  # e.g. the interpreter lives in a folder that user cannot enter
    return Capabilities(root, works_as_root or user_ns, user_ns, cgroup, uid)


def _user_can_start_python(uid: int) -> bool:
    """Whether `uid` can start this Python inside the sandbox's mount namespace, where
    the grader's home and temp folders are replaced by empty ones that keep only the
    interpreter and the course library (see `Sandbox.keep_paths`)."""
    with tempfile.TemporaryDirectory(prefix="dlcourse-probe-") as folder:
        os.chown(folder, uid, uid)
        spec = Path(folder) / "spec.json"
        spec.write_text(
            json.dumps(
                {
                    "cgroups": [],
                    "hidden": list(system_hidden_paths()),
                    "keep": list(keep_paths()) + [folder],
                    "uid": uid,
                    "work": folder,
                    "limits": asdict(Limits()),
                    "rlimit_memory": False,
                    "mount_namespace": True,
                    "folder": None,
                }
            )
        )
        command = [
            shutil.which("unshare"), "--net", "--pid", "--mount", "--fork", "--kill-child",
            "--", sys.executable, "-m", "autograder.sandbox_launch", str(spec), "--",
            sys.executable, "-c", "import ipykernel, nbformat, numpy",
        ]  # fmt: skip
        return _runs(command)


def system_hidden_paths() -> tuple[str, ...]:
    """Shared places every sandbox loses: temp folders, the grader's home, secrets."""
    candidates = [tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm", str(Path.home())]
    candidates += ["/etc/shadow", "/etc/gshadow", "/root"]
    return tuple(dict.fromkeys(p for p in candidates if os.path.exists(p)))


def keep_paths() -> tuple[str, ...]:
    """What a sandbox needs from inside hidden folders: Python and the course library."""
    from autograder.assignments import course_root

    paths = [sys.prefix, sys.base_prefix, str(course_root() / "course")]
    return tuple(dict.fromkeys(os.path.realpath(p) for p in paths))


def _runs(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def missing_protections(caps: Capabilities) -> list[str]:
    """Human-readable warnings for every mechanism this machine lacks."""
    warnings = []
    if not caps.unshare:
        warnings.append(
            "no namespaces (unshare unavailable): submissions can use the network, "
            "and processes they detach may outlive grading"
        )
    if caps.sandbox_uid is None:
        warnings.append(
            f"submissions run as the grading user, not {SANDBOX_USER!r} (not root, or the "
            f"interpreter is not readable by {SANDBOX_USER!r}); with namespaces they get no "
            "capabilities, a read-only file system and tmpfs over private paths"
        )
    if not caps.cgroup:
        warnings.append(
            "no cgroups: memory is limited by RLIMIT_AS and processes by RLIMIT_NPROC "
            "(per user), and an out-of-memory kill is reported less precisely"
        )
    return warnings


@dataclass
class Sandbox:
    """The private folder, cgroup and launch command of one submission's kernel.

    Args:
        limits: the resource limits.
        hidden_paths: folders the submission must not see (covered by an empty tmpfs).
        environment: extra environment variables for the kernel.
        data_dir: prepared datasets, copied into the private folder.
    """

    limits: Limits = field(default_factory=Limits)
    hidden_paths: tuple[Path, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    data_dir: Path | None = None

    def __post_init__(self):
        self.caps = capabilities()
        self.warnings = missing_protections(self.caps)
        base = Path(tempfile.gettempdir()) / "dlcourse-sandbox"
        base.mkdir(mode=0o711, exist_ok=True)
        os.chmod(base, 0o711)  # others may enter a folder they know, never list it
        self.folder = base / secrets.token_hex(16)
        self.folder.mkdir(mode=0o700)
        self.home = self.folder / "home"
        self.work = self.folder / "work"
        self.sockets = self.folder / "sockets"
        for path in (self.home, self.work, self.sockets):
            path.mkdir()
        if self.data_dir and Path(self.data_dir).is_dir():
            shutil.copytree(self.data_dir, self.home / "data", symlinks=False)
        if self.caps.sandbox_uid is not None:
            uid = self.caps.sandbox_uid
            for path in [self.folder, *self.folder.rglob("*")]:
                os.chown(path, uid, uid, follow_symlinks=False)
        self.cgroups = self._make_cgroups()
        self.started = time.monotonic()

    # -- cgroups -------------------------------------------------------------------
    def _make_cgroups(self) -> list[Path]:
        return make_cgroups(f"dlcourse-{self.folder.name[:12]}", self.limits, self.caps.cgroup)

    def out_of_memory(self) -> bool:
        """Whether the kernel hit the memory limit (cgroup OOM kill, or a MemoryError)."""
        for group in self.cgroups:
            for stats in ("memory.oom_control", "memory.events"):
                path = group / stats
                if path.exists():
                    for line in path.read_text().splitlines():
                        key, _, value = line.partition(" ")
                        if key == "oom_kill" and int(value) > 0:
                            return True
            failcnt = group / "memory.failcnt"
            if failcnt.exists() and int(failcnt.read_text() or 0) > 0:
                return True
        return False

    def hit_process_limit(self) -> bool:
        for group in self.cgroups:
            events = group / ("pids.events")
            if events.exists() and any(
                line.startswith("max ") and int(line.split()[1]) > 0
                for line in events.read_text().splitlines()
            ):
                return True
        return False

    # -- launching -------------------------------------------------------------------
    def spec(self) -> dict:
        """What `autograder.sandbox_launch` applies inside the namespaces."""
        return {
            "cgroups": [str(g) for g in self.cgroups],
            "hidden": [str(p) for p in self.hidden_paths if Path(p).exists()]
            + list(system_hidden_paths()),
            "keep": list(keep_paths()),
            "uid": self.caps.sandbox_uid,
            "home": str(self.home),
            "work": str(self.work),
            "limits": asdict(self.limits),
            "rlimit_memory": not self.caps.cgroup,
            "mount_namespace": self.caps.unshare,
            "folder": str(self.folder),
        }

    def command_prefix(self) -> list[str]:
        """The command that starts the kernel inside the sandbox; the kernel's own follows."""
        spec_file = self.folder / "spec.json"
        spec_file.write_text(json.dumps(self.spec()))
        launcher = [sys.executable, "-m", "autograder.sandbox_launch", str(spec_file), "--"]
        if not self.caps.unshare:
            return launcher
        flags = ["--net", "--pid", "--mount", "--fork", "--kill-child", "--mount-proc"]
        if self.caps.user_namespace:
            flags = ["--user", "--map-root-user", *flags]
        return [shutil.which("unshare"), *flags, "--", *launcher]

    def kernel_environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            in {"PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH"}
        }
        env.update(self.environment)
        env.update(
            HOME=str(self.home),
            TMPDIR=str(self.home),
            MPLCONFIGDIR=str(self.home / ".matplotlib"),
            KERAS_HOME=str(self.home / ".keras"),
            DLCOURSE_DATA_DIR=str(self.home / "data"),
            JUPYTER_RUNTIME_DIR=str(self.sockets),
            IPYTHONDIR=str(self.home / ".ipython"),
        )
        return env

    def kernel_manager(self) -> AsyncKernelManager:
        manager = SandboxedKernelManager(
            kernel_name="python3", transport="ipc", ip=str(self.sockets / "kernel")
        )
        manager.sandbox = self
        manager.connection_file = str(self.sockets / "connection.json")
        return manager

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    # -- clean-up --------------------------------------------------------------------
    def kill_everything(self) -> None:
        """Kills every process left in the cgroup (the PID namespace already took its
        own with it), removes the cgroups and the private folder."""
        remove_cgroups(self.cgroups)
        if self.caps.sandbox_uid is not None and not self.caps.unshare:
            # No PID namespace: the sandbox user's stray processes are found by user.
            subprocess.run(["pkill", "-KILL", "-U", str(self.caps.sandbox_uid)], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def make_cgroups(name: str, limits: Limits, version: str) -> list[Path]:
    """Cgroups called `name` with the memory and process limits (cgroup `version` "v1"
    or "v2"; none for ""). A process joins them by writing its pid to cgroup.procs."""
    if version == "v1":
        memory = Path("/sys/fs/cgroup/memory") / name
        pids = Path("/sys/fs/cgroup/pids") / name
        memory.mkdir()
        pids.mkdir()
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text(str(limits.memory_bytes))
        (pids / "pids.max").write_text(str(limits.max_processes))
        return [memory, pids]
    if version == "v2":
        group = Path("/sys/fs/cgroup") / name
        group.mkdir()
        (group / "memory.max").write_text(str(limits.memory_bytes))
        if (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")
        (group / "pids.max").write_text(str(limits.max_processes))
        return [group]
    return []


def remove_cgroups(groups: list[Path]) -> None:
    """Kills every process left in the cgroups, then removes them."""
    for _ in range(50):
        alive = [
            int(pid)
            for group in groups
            if (group / "cgroup.procs").exists()
            for pid in (group / "cgroup.procs").read_text().split()
        ]
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    for group in groups:
        try:
            group.rmdir()
        except OSError:
            pass


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel through its `Sandbox`."""

    sandbox: Sandbox

    def format_kernel_cmd(self, extra_arguments=None):
        return self.sandbox.command_prefix() + super().format_kernel_cmd(extra_arguments)

    def write_connection_file(self, **kwargs):
        result = super().write_connection_file(**kwargs)
        uid = self.sandbox.caps.sandbox_uid
        if uid is not None:
            os.chown(self.connection_file, uid, uid)
        return result
