"""A process a hostile local user could start (test/render/escaping-live.test.ts).

argv: UNIX_PATH [MORE ARGS...]. Renames itself (prctl PR_SET_NAME) to a terminal escape
sequence, listens on a unix socket bound to UNIX_PATH (any bytes, newlines included) and on
a free loopback TCP port, prints "ready PORT", and holds both until stdin closes.
"""
import ctypes
import os
import socket
import sys

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)
# OSC 0 (retitle the terminal) and CSI 2J (clear the screen): 12 of comm's 15 bytes
if libc.prctl(PR_SET_NAME, b"\x1b]0;PWN\x07\x1b[2J", 0, 0, 0) != 0:
    sys.exit("prctl failed: errno %d" % ctypes.get_errno())

unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
unix.bind(os.fsencode(sys.argv[1]))
unix.listen()
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0))
tcp.listen()
print("ready", tcp.getsockname()[1], flush=True)
sys.stdin.read()
