"""The program that runs inside the sandbox, and nothing else: this folder is all of the
project a candidate's process can see.

fork_server.py binds this folder read-only into the sandbox and runs worker.py from it
(without bubblewrap, in place), so the program cannot import the project: its modules import
one another as top-level modules (`from protocol import Channel`), worker.py having put this
folder first on sys.path. The host imports only the modules that import no sibling, as
`runner.sandbox.inside.<name>`: protocol (the wire format), shared_rules (the import
allow-list and forbidden builtins, which static validation enforces too) and lockdown (its
seccomp program, for tests). tripwire and worker import their siblings and run only inside.
"""
