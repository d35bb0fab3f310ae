#!/usr/bin/env python3
"""Runs a command with a listener on the ports the default config points at
(Ollama's 127.0.0.1:11434), and fails if anything connects to it.

Tests must reach only loopback servers they started themselves; a test that
falls back on the defaults would reach a developer's real Ollama, and its
result would depend on the machine. Usage: hermetic-guard.py -- <command...>

When the port is already taken (a real Ollama is running), the guard cannot
listen there; it says so and runs the command unguarded.
"""
import socket
import subprocess
import sys
import threading

GUARDED = [("127.0.0.1", 11434)]


def main() -> int:
    if "--" not in sys.argv:
        print(__doc__, file=sys.stderr)
        return 2
    command = sys.argv[sys.argv.index("--") + 1 :]
    contacts: list[str] = []
    listeners = []
    for host, port in GUARDED:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            print(f"hermetic-guard: {host}:{port} is in use ({err}); not guarded", file=sys.stderr)
            sock.close()
            continue
        sock.listen(64)
        listeners.append(sock)

        def accept(sock=sock, where=f"{host}:{port}"):
            while True:
                try:
                    conn, peer = sock.accept()
                except OSError:
                    return
                contacts.append(f"{where} from {peer[0]}:{peer[1]}")
                conn.close()

        threading.Thread(target=accept, daemon=True).start()

    status = subprocess.call(command)
    for sock in listeners:
        sock.close()
    if contacts:
        print(
            f"hermetic-guard: FAILED: {len(contacts)} connection(s) to a default provider port "
            f"during `{' '.join(command)}`: {', '.join(contacts[:5])}",
            file=sys.stderr,
        )
        return status or 1
    if listeners:
        print(f"hermetic-guard: no test contacted {', '.join(f'{h}:{p}' for h, p in GUARDED)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
