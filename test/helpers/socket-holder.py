#!/usr/bin/env python3
"""Holds sockets that Node cannot open (unix dgram/seqpacket, raw, packet) for live tests.

Usage: socket-holder.py '<json list of socket specs>'
Prints one JSON line {"pid": P, "children": [...], "sockets": {name: {...}}} when every
socket is open, then holds them until stdin reaches end of file (or SIGTERM).
Spec kinds: unix (type, path; "@name" for abstract; listen for stream/seqpacket),
socketpair (type), raw (protocol), packet (protocol, interface), tcp-listen and udp-bind
(host, optional port, v6only true/false to set IPV6_V6ONLY, reuse for SO_REUSEADDR,
backlog for listen(), default 8), unix-connect (path: a stream connection to it; a unix
listener with "accept": N accepts N connections on a thread and holds them), and
{"kind": "fork"} to fork a child that shares every socket opened so far.
"""
import json
import os
import signal
import socket
import sys
import threading

UNIX_TYPES = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM, "seqpacket": socket.SOCK_SEQPACKET}


def inode(sock):
    return os.fstat(sock.fileno()).st_ino


def main():
    spec = json.loads(sys.argv[1])
    held, report, children = [], {}, []
    for item in spec:
        kind = item["kind"]
        name = item.get("name", kind)
        if kind == "unix":
            sock = socket.socket(socket.AF_UNIX, UNIX_TYPES[item["type"]])
            path = item["path"]
            sock.bind("\0" + path[1:] if path.startswith("@") else path)
            if item["type"] != "dgram":
                sock.listen(8)
            if item.get("accept"):
                threading.Thread(target=lambda listener=sock, count=item["accept"]: held.extend(listener.accept()[0] for _ in range(count)), daemon=True).start()
            held.append(sock)
            report[name] = {"inode": inode(sock), "fd": sock.fileno()}
        elif kind == "unix-connect":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(item["path"])
            held.append(sock)
            report[name] = {"inode": inode(sock), "fd": sock.fileno()}
        elif kind == "socketpair":
            a, b = socket.socketpair(socket.AF_UNIX, UNIX_TYPES[item["type"]])
            held += [a, b]
            report[name] = {"inodes": [inode(a), inode(b)], "fds": [a.fileno(), b.fileno()]}
        elif kind == "raw":
            sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, item["protocol"])
            held.append(sock)
            report[name] = {"inode": inode(sock), "fd": sock.fileno()}
        elif kind == "packet":
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(item["protocol"]))
            if item.get("interface"):
                sock.bind((item["interface"], 0))
            held.append(sock)
            report[name] = {"inode": inode(sock), "fd": sock.fileno()}
        elif kind in ("tcp-listen", "udp-bind"):
            family = socket.AF_INET6 if ":" in item["host"] else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM if kind == "tcp-listen" else socket.SOCK_DGRAM)
            if "v6only" in item:
                # absent: the socket keeps the namespace's default (net.ipv6.bindv6only)
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if item["v6only"] else 0)
            if item.get("reuse"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((item["host"], item.get("port", 0)))
            if kind == "tcp-listen":
                sock.listen(item.get("backlog", 8))
            held.append(sock)
            report[name] = {"inode": inode(sock), "fd": sock.fileno(), "port": sock.getsockname()[1]}
        elif kind == "fork":
            child = os.fork()
            if child == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                while True:
                    signal.pause()
            children.append(child)
        else:
            raise SystemExit(f"unknown kind {kind}")
    print(json.dumps({"pid": os.getpid(), "children": children, "sockets": report}), flush=True)
    try:
        sys.stdin.read()
    finally:
        for child in children:
            os.kill(child, signal.SIGTERM)
            os.waitpid(child, 0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main()
