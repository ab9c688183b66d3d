"""Rejected: not Python."""
def compress_video_frame(frame, frame_index, config)
    return frame.tobytes()
