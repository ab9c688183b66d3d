"""The kernel's lock-down layers, applied in each child before any candidate code runs:
resource limits, Landlock and a seccomp filter; and the fork server's own process settings.

Each layer stands alone: tests switch any of them off to show that the others hold. The
host imports this module (as runner.sandbox.inside.lockdown) only to test seccomp_program
and readable_rules. It imports no sibling module.
"""

import ctypes
import os
import resource
import sys

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_CHILD_SUBREAPER = 38, 4, 22, 36
SECCOMP_MODE_FILTER = 2


def protect_server() -> None:
    """The fork server may not be ptraced or dumped, and a candidate's orphans become its own to end."""
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def apply_rlimits(limits: dict) -> None:
    """Cap memory (above what the warm process maps), CPU time, open files; no files written, no processes."""

    def cap(which, value):
        resource.setrlimit(which, (value, value))

    with open("/proc/self/statm") as statm:  # the address space this warm process already maps
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap(resource.RLIMIT_AS, mapped + limits["memory_bytes"])
    cap(resource.RLIMIT_CPU, limits["cpu_seconds"])
    cap(resource.RLIMIT_FSIZE, 0)
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_NOFILE, limits["open_files"])
    cap(resource.RLIMIT_NPROC, 0)  # binds non-root users; for root the pid namespace does


class _LandlockRulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _LandlockPathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
READ_FILE, READ_DIR = 4, 8


def landlock_ruleset(readable: list, hidden: list) -> tuple[int | None, str]:
    """A Landlock ruleset that denies every file write, execution, TCP bind/connect, abstract
    unix sockets and signals outside, and allows reading `readable` but not `hidden`.

    Built once in the fork server (each child only restricts itself to it): the file view has
    hundreds of rules. Returns the ruleset's descriptor (None if Landlock is unavailable) and
    a description of what loaded, or why not. Nothing may be executed (shared libraries still
    load: that is mmap, not execve).
    """
    abi = _libc.syscall(LANDLOCK_CREATE_RULESET, None, 0, 1)  # (NULL, 0, VERSION): the ABI
    if abi < 1:
        return None, "landlock unavailable"
    fs_rights = (1 << {1: 13, 2: 14, 3: 15, 4: 15}.get(abi, 16)) - 1
    attr = _LandlockRulesetAttr(fs_rights, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    size = ctypes.sizeof(_LandlockRulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _libc.syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return None, f"landlock ruleset refused (errno {ctypes.get_errno()})"
    for path, rights in readable_rules(readable, hidden):
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        rule = _LandlockPathBeneath(rights, fd)
        _libc.syscall(LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)  # LANDLOCK_RULE_PATH_BENEATH
        os.close(fd)
    return ruleset, f"landlock abi {abi}"


def readable_rules(readable: list, hidden: list):
    """(path, rights) rules that allow reading everything beneath `readable` except `hidden`.

    A Landlock rule covers all beneath its path, so a folder with something hidden beneath
    it gets a rule to list its names only, and each of its entries a rule of its own.
    Symbolic links inside get none: their target is readable where its own path is.
    """
    hidden_paths = set(hidden)

    def rules(path: str, is_folder: bool):
        if path in hidden_paths:
            return
        if not is_folder:
            yield path, READ_FILE
        elif not any(other.startswith(path + "/") for other in hidden_paths):
            yield path, READ_FILE | READ_DIR
        else:
            yield path, READ_DIR
            with os.scandir(path) as entries:
                for entry in entries:
                    if not entry.is_symlink():
                        yield from rules(entry.path, entry.is_dir())

    for path in readable:
        yield from rules(path, os.path.isdir(path))


def apply_landlock(ruleset: int | None, description: str) -> str:
    """Restrict this process to the fork server's ruleset; returns what is in force."""
    if ruleset is None:
        return description
    try:
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return "landlock not applied: no_new_privs refused"
        if _libc.syscall(LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            return f"landlock not applied (errno {ctypes.get_errno()})"
    finally:
        os.close(ruleset)
    return description


# x86_64 system calls a candidate never needs: processes, sockets, namespaces, file changes,
# and, for a process that is still root (no user namespace), the machine's own settings.
_DENIED_SYSCALLS = (
    41, 42, 43, 44, 49, 50, 53, 288,  # socket, connect, accept, sendto, bind, listen, socketpair, accept4
    56, 57, 58, 59, 322, 435,  # clone, fork, vfork, execve, execveat, clone3
    62, 101, 310, 311, 312, 424, 434, 438, 440, 448,  # kill, ptrace, process_vm_*, kcmp, pidfd_*, process_m*
    155, 161, 165, 166, 272, 308,  # pivot_root, chroot, mount, umount2, unshare, setns
    425, 426, 427, 437,  # io_uring_*, openat2
    319, 85, 83, 258, 84, 87, 263, 82, 264, 316, 86, 265, 88, 266,  # memfd, creat, mkdir, unlink, rename, link
    90, 91, 268, 92, 93, 94, 260, 76, 77, 133, 259,  # chmod, chown, truncate, mknod
    160, 29, 30, 68, 64, 240, 248, 249, 250,  # setrlimit, SysV IPC, mq_open, keys
    321, 298, 323, 135, 157, 169, 246, 175, 313, 176, 163, 167, 170, 171,  # bpf ... prctl ... sethostname
    303, 304, 300, 253, 294,  # handles, fanotify, inotify
    428, 429, 430, 431, 432, 433, 442, 443, 452,  # new mount API, quotactl_fd, fchmodat2
    132, 235, 261, 280, 188, 189, 190, 197, 198, 199, 73,  # utime*, set/remove xattr, flock
    159, 164, 227, 305, 103, 134, 141, 153, 168, 172, 173, 179, 251, 256, 279, 320,  # clocks, syslog...
    318,  # getrandom: the machine's entropy would make a codec's output other than a function of its input
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_SIGNAL_SYSCALLS = (200, 234, 129, 297)  # tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo
# (system call, argument, values that kill): locks and leases, which could stall another
# process's file (the ledger), and making a descriptor signal another process on I/O.
_DENIED_COMMANDS = (
    (72, 1, (6, 7, 37, 38, 1024, 8, 15)),  # fcntl: F_SET(OFD_)LK(W), F_SETLEASE, F_SETOWN(_EX)
    (16, 1, (0x8901, 0x8902, 0x5412)),  # ioctl: FIOSETOWN, SIOCSPGRP, TIOCSTI
)


def seccomp_program(own_pid: int) -> list:
    """The BPF instructions (code, jt, jf, k) of the filter for the process `own_pid`."""
    load_word, jump_equal, jump_set, ret = 0x20, 0x15, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000  # SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS

    def argument(index: int, high: bool = False) -> int:  # offset in struct seccomp_data
        return 16 + 8 * index + (4 if high else 0)

    program = [(load_word, 0, 0, 4), (jump_equal, 1, 0, 0xC000003E), (ret, 0, 0, kill),
               (load_word, 0, 0, 0), (0x35, 0, 1, 0x40000000), (ret, 0, 0, kill)]  # x32 ABI: kill
    for number in _DENIED_SYSCALLS:
        program += [(jump_equal, 0, 1, number), (ret, 0, 0, kill)]
    # The rules below load an argument into the accumulator, so each one ends in a return.
    # open(path, flags) and openat(dirfd, path, flags): only for reading.
    for number, flags_offset in ((2, argument(1)), (257, argument(2))):
        program += [(jump_equal, 0, 4, number), (load_word, 0, 0, flags_offset),
                    (jump_set, 0, 1, _WRITE_FLAGS), (ret, 0, 0, kill), (ret, 0, 0, allow)]
    # prlimit64(pid, resource, new, old) only reads limits (new == NULL); signals only to itself
    # (kill() is denied above; these are the other ways to send one).
    rules = [(302, 2, 0)] + [(number, 0, own_pid) for number in _SIGNAL_SYSCALLS]
    for number, index, value in rules:
        program += [(jump_equal, 0, 6, number), (load_word, 0, 0, argument(index)),
                    (jump_equal, 0, 2, value), (load_word, 0, 0, argument(index, high=True)),
                    (jump_equal, 1, 0, 0), (ret, 0, 0, kill), (ret, 0, 0, allow)]
    for number, index, values in _DENIED_COMMANDS:
        count = len(values)
        program += [(jump_equal, 0, count + 3, number), (load_word, 0, 0, argument(index))]
        program += [(jump_equal, count - i, 0, value) for i, value in enumerate(values)]
        program += [(ret, 0, 0, allow), (ret, 0, 0, kill)]
    return program + [(ret, 0, 0, allow)]


def apply_seccomp() -> str:
    """Load a BPF filter that kills the process on any denied system call."""
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        return "seccomp unavailable on this platform"
    program = seccomp_program(os.getpid())

    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(Instruction))]

    instructions = (Instruction * len(program))(*program)
    fprog = Program(len(program), instructions)
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return "seccomp not applied: no_new_privs refused"
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        return f"seccomp not applied (errno {ctypes.get_errno()})"
    return "seccomp filter"
