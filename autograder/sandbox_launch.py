"""Starts a kernel inside the sandbox: `python -m autograder.sandbox_launch SPEC -- CMD...`.

Runs as the first process of the new namespaces (see `autograder.sandbox`): joins
the cgroups; in the private mount namespace hides private folders and other
sandboxes under empty tmpfs mounts and makes every file system read-only except
the submission's own folder; sets rlimits; then becomes the kernel with `exec`,
through `setpriv`: as the sandbox user where possible, always without capabilities
and with no_new_privs.
"""

import ctypes
import json
import os
import resource
import shutil
import sys

_KEEP_WRITABLE = ("/proc", "/dev")  # /dev/shm is replaced by an empty tmpfs


MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC = 1, 32, 4096, 16384
_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    """mount(2) itself: the util-linux tool would resolve /proc/self/fd links by name."""
    code = _libc.mount(
        source.encode(),
        target.encode(),
        fstype.encode() if fstype else None,
        flags,
        data.encode() if data else None,
    )
    if code != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source} on {target}: {os.strerror(error)}")


def _join_cgroups(groups: list[str]) -> None:
    for group in groups:
        with open(os.path.join(group, "cgroup.procs"), "w") as procs:
            procs.write(str(os.getpid()))


def _mount_points() -> list[str]:
    with open("/proc/self/mountinfo") as handle:
        points = [line.split()[4] for line in handle]
    return sorted(set(points), key=len)


def _isolate_files(hidden: list[str], keep: list[str], folder: str | None) -> None:
    """Covers `hidden` with empty tmpfs mounts (files with /dev/null), binds back the
    `keep` folders and the sandbox's own `folder` found inside them, then makes every
    file system read-only except `folder`."""
    kept = [*keep, folder] if folder else list(keep)
    handles = {
        path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in kept if os.path.isdir(path)
    }
    for path in sorted(set(hidden), key=len):
        if os.path.isfile(path):
            _mount("/dev/null", path, None, MS_BIND)
            continue
        if not os.path.isdir(path):
            continue  # gone under an earlier mount
        _mount("tmpfs", path, "tmpfs", 0, "size=4m,mode=755")
        for keep_path, handle in handles.items():
            if keep_path == path or keep_path.startswith(path.rstrip("/") + "/"):
                os.makedirs(keep_path, mode=0o755, exist_ok=True)
                _mount(f"/proc/self/fd/{handle}", keep_path, None, MS_BIND | MS_REC)
    for handle in handles.values():
        os.close(handle)
    for point in _mount_points():
        if point == folder or point.startswith(_KEEP_WRITABLE):
            continue
        try:
            _mount("none", point, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
        except OSError:
            pass  # some special mounts refuse; they are not writable file trees


def _set_limits(limits: dict, rlimit_memory: bool) -> None:
    def cap(kind, value):
        _, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_FSIZE, limits["file_bytes"])
    cap(resource.RLIMIT_NOFILE, 4096)
    if rlimit_memory:
        # Address space, not resident memory: TensorFlow reserves far more than it
        # touches, so this fallback is looser than a cgroup limit.
        cap(resource.RLIMIT_AS, limits["memory_bytes"] * 4)
        cap(resource.RLIMIT_NPROC, limits["max_processes"] * 4)


def _privilege_drop(uid: int | None) -> list[str]:
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        return []
    command = [setpriv, "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"]
    if uid is not None:
        command += [f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    return [*command, "--"]


def main(argv: list[str]) -> None:
    spec_file, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit("usage: python -m autograder.sandbox_launch SPEC -- COMMAND...")
    with open(spec_file) as handle:
        spec = json.load(handle)
    _join_cgroups(spec["cgroups"])
    if spec["mount_namespace"]:
        _isolate_files(spec["hidden"], spec["keep"], spec["folder"])
    _set_limits(spec["limits"], spec["rlimit_memory"])
    os.chdir(spec["work"])
    os.umask(0o077)
    command = _privilege_drop(spec["uid"]) + command
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
