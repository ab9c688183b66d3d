"""Attack: hide a forbidden import behind an alias that looks like an allowed module.

`import subprocess as np` and then `np.run(...)`: a reader skimming for numpy sees numpy.
Expected: rejected statically (the module name, not the alias, is checked); at runtime a
violation (the guarded import), and the kernel layers stop the process it would spawn.
"""
import subprocess as np

import numpy


def compress_video_frame(frame, frame_index, config):
    np.run(["touch", f"{config['target_dir']}/import_aliased"], check=True)
    return b"ESCAPED:subprocess ran"


def decompress_video_frame(data, frame_index, config):
    return numpy.zeros((config["height"], config["width"], 3), numpy.uint8)
