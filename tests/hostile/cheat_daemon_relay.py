"""Metric cheat: the encoder forks a daemon that receives every source frame over a pipe
and serves them on an abstract unix socket; the decoder, in the other sandbox, fetches the
frames from it. Zero bytes counted, perfect PSNR.

Expected: rejected statically (`os`, `socket`); at runtime the guarded import trips
(violation). seccomp kills the fork; the fork server ends the daemon as soon as the encoder
finishes (this was a hole: it survived); bubblewrap gives each role its own network
namespace and Landlock scopes abstract sockets to the process's own domain. The decoder
finds no daemon and returns black frames.
"""
import os
import socket

import numpy as np

relay = None


def compress_video_frame(frame, frame_index, config):
    global relay
    if relay is None:
        reader, relay = os.pipe()
        if os.fork() == 0:
            serve(reader, config)
    os.write(relay, frame.tobytes())
    return b""


def serve(reader, config):
    size = config["height"] * config["width"] * 3 * config["frames"]
    frames = b""
    while len(frames) < size:
        frames += os.read(reader, size - len(frames))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0codec-ledger-relay-" + config["marker"])
    listener.listen(1)
    while True:
        connection, _ = listener.accept()
        connection.sendall(frames)
        connection.close()


def decompress_video_frame(data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    size = shape[0] * shape[1] * 3
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect("\0codec-ledger-relay-" + config["marker"])
            frames = b""
            while len(frames) < size * (frame_index + 1):
                frames += connection.recv(1 << 20)
        return np.frombuffer(frames[size * frame_index: size * (frame_index + 1)], np.uint8).reshape(shape)
    except OSError:
        return np.zeros(shape, np.uint8)
