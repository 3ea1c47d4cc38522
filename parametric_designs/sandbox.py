"""Confinement of a build process before it runs a template's untrusted design code (Linux).

Three kernel mechanisms, each doing one job, applied in the forked child that will run the design:
- resource limits: address space (memory), CPU seconds, size of any file written, no core dumps;
- Landlock: the file system is readable only where Python, its packages, fonts and the template live, and
  writable only in the build's scratch folder (so `~/.ssh` and `/etc/shadow` cannot be read, and nothing
  outside scratch can be written or deleted);
- seccomp: no new processes or programs (fork, exec, clone without CLONE_THREAD), no sockets (no network),
  no signals to other processes, no tracing, no new namespaces or mounts.
Once applied they cannot be lifted by the process, whatever the design code does.
"""

from __future__ import annotations

import errno
import os
import resource
import sys
from dataclasses import dataclass
from pathlib import Path

import landlock
import pyseccomp as seccomp

_CLONE_THREAD = 0x00010000
# Read-only places a build may need after CadQuery is loaded: the interpreter and its packages (lazy
# imports), system libraries, and fonts (CadQuery's text() goes through fontconfig).
_SYSTEM_READ_ROOTS = ("/usr", "/lib", "/lib64", "/etc/fonts", "/etc/ld.so.cache", "/etc/localtime",
                      "/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/sys/devices/system/cpu",
                      "/dev/null", "/dev/urandom")
_DENIED_SYSCALLS = ("execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
                    "unshare", "setns", "mount", "umount2", "chroot", "pivot_root", "bpf", "socket",
                    "socketpair", "reboot", "kexec_load", "init_module", "finit_module", "delete_module",
                    "swapon", "swapoff", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid")


@dataclass(frozen=True)
class Limits:
    """What one build may use: seconds of CPU, bytes of memory on top of the worker's own, bytes per file."""

    cpu_seconds: int = 60
    memory_bytes: int = 2 << 30
    file_bytes: int = 1 << 30


def confine(scratch: Path, readable: tuple[Path, ...], limits: Limits) -> None:
    """Apply every confinement to this (single-threaded, just forked) process; it cannot be undone."""
    limit_resources(limits)
    restrict_files(scratch, readable)
    restrict_syscalls()


def limit_resources(limits: Limits, *, address_space_in_use: bool = True) -> None:
    """Apply `limits`; the memory limit counts on top of what is mapped already, unless this process is about
    to become another program (then the limit is the whole address space)."""
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The address space already mapped (CadQuery and OCCT, about 1 GB) is not the design's doing: the
    # limit is what the design may add on top of it.
    in_use = _mapped_bytes() if address_space_in_use else 0
    resource.setrlimit(resource.RLIMIT_AS, (in_use + limits.memory_bytes,) * 2)


def _mapped_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def restrict_files(scratch: Path, readable: tuple[Path, ...], *, python: bool = True) -> None:
    """Read-only access to the system, `readable` and (if `python`) this interpreter and its import path;
    every access inside `scratch`; nothing else."""
    read = landlock.FSAccess.READ_FILE | landlock.FSAccess.EXECUTE
    ruleset = landlock.Ruleset()
    roots = {*map(str, readable), *_SYSTEM_READ_ROOTS}
    if python:
        roots |= {sys.prefix, sys.base_prefix, sys.exec_prefix}
        roots |= {p for p in sys.path if p and os.path.isdir(p)}
    for root in sorted(roots):
        if os.path.exists(root):
            ruleset.allow(root, rules=read | (landlock.FSAccess.READ_DIR if os.path.isdir(root) else 0))
    ruleset.allow(str(scratch))  # every access, inside scratch only
    ruleset.apply()


def restrict_syscalls() -> None:
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    denied = seccomp.ERRNO(errno.EPERM)
    for name in _DENIED_SYSCALLS:
        rules.add_rule(denied, name)
    # Threads are fine (numpy and OCCT use them); a new process is not.
    rules.add_rule(denied, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, _CLONE_THREAD, 0))
    # clone3 passes its flags in memory, out of the filter's sight: say it does not exist, and the C
    # library falls back to clone for threads.
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    own = os.getpid()
    for name in ("kill", "tgkill"):
        rules.add_rule(denied, name, seccomp.Arg(0, seccomp.NE, own))
    rules.add_rule(denied, "tkill")
    rules.load()
