"""The kernel command of a warm kernel (see `warm`): run as a script, it imports nothing of stomkpi.

`python warm_launch.py SOCKET -f CONNECTION_FILE [ipykernel options]` asks the warm process listening
on SOCKET for a kernel: it hands over its standard streams, its working folder, its environment and
the read end of a pipe it alone holds, and gets back the kernel's process id. Then it stands for the
kernel towards jupyter_client: an interrupt or a stop it is sent goes on to the kernel, and it exits
with the kernel's exit code. When it is killed, its pipe closes and the kernel ends itself. When no warm
process answers, it becomes an ordinary kernel (`python -m ipykernel_launcher …`): a report never fails
for want of a warm one.
"""

import json
import os
import signal
import socket
import sys


def main() -> None:
    address, argv = sys.argv[1], sys.argv[2:]
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(address)
    except OSError:
        _ordinary(argv)
    life_read, life_write = os.pipe()  # the kernel's end is closed only when this process ends
    # owner: the process whose report this kernel runs (a batch worker), to which the warm process counts its CPU time
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "owner": os.getppid()}).encode()
    socket.send_fds(conn, [len(request).to_bytes(8, "big") + request], [0, 1, 2, life_read])
    os.close(life_read)
    reply = conn.makefile("r", encoding="ascii")
    line = reply.readline()
    if not line.strip().isdigit():  # the warm process could not fork
        _ordinary(argv)
    kernel = int(line)

    def forward(signum, _frame) -> None:
        try:
            os.kill(kernel, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    status = reply.readline().strip()
    if not status.lstrip("-").isdigit():  # the warm process is gone: so must its kernel be
        forward(signal.SIGKILL, None)
        sys.exit(1)
    os.close(life_write)
    sys.exit(int(status) & 0xFF)


def _ordinary(argv: list[str]) -> None:
    """Become jupyter's own kernel, with the same arguments."""
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


if __name__ == "__main__":
    main()
