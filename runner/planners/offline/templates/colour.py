"""Source of a candidate's picture format: colour planes, chroma sampling, coding resolution.

``colour_code(genome)`` writes _to_planes (encoder: BGR frame -> planes at the coded, padded
size), _to_bgr (decoder: the way back) and _plane_shapes, for that genome's colour, chroma,
scale, upscale and chroma_up genes.
"""

from __future__ import annotations

from runner.planners.offline.genome import Genome


def colour_code(g: Genome) -> str:
    """_to_planes, _to_bgr and _plane_shapes for this genome's picture format."""
    lines = ['def _to_planes(frame, geometry):',
             '    """Encoder side: the frame as float planes at the coded, padded size."""',
             '    h, w, ch, cw, hp, wp = geometry',
             '    img = np.asarray(frame, dtype=np.uint8)']
    if g.scaled:
        lines.append('    img = cv2.resize(img, (cw, ch), interpolation=cv2.INTER_AREA)')
    lines.append('    img = np.pad(img, ((0, hp - ch), (0, wp - cw), (0, 0)), mode="edge").astype(np.float32)')
    lines.append('    b, g, r = img[:, :, 0], img[:, :, 1], img[:, :, 2]')
    if g.ycbcr:
        lines += [
            '    y = 0.299 * r + 0.587 * g + 0.114 * b',
            '    cb = (b - y) * (1.0 / 1.772) + 128.0',
            '    cr = (r - y) * (1.0 / 1.402) + 128.0',
        ]
        if g.chroma_420:
            lines += [
                '    cb = cb.reshape(hp // 2, 2, wp // 2, 2).mean(axis=(1, 3))',
                '    cr = cr.reshape(hp // 2, 2, wp // 2, 2).mean(axis=(1, 3))',
            ]
        lines.append('    return [y, cb, cr]')
    else:
        lines.append('    return [b, g, r]')
    lines += ['', '', 'def _to_bgr(planes, geometry):',
              '    """Decoder side: reconstructed planes -> H x W x 3 uint8 BGR at the input size."""',
              '    h, w, ch, cw, hp, wp = geometry']
    if g.ycbcr:
        lines.append('    y = planes[0].astype(np.float32)')
        lines.append('    cb = planes[1].astype(np.float32) - 128.0')
        lines.append('    cr = planes[2].astype(np.float32) - 128.0')
        if g.chroma_420 and g.chroma_up == "linear":
            lines.append('    cb = cv2.resize(cb, (wp, hp), interpolation=cv2.INTER_LINEAR)')
            lines.append('    cr = cv2.resize(cr, (wp, hp), interpolation=cv2.INTER_LINEAR)')
        elif g.chroma_420:
            lines.append('    cb = np.repeat(np.repeat(cb, 2, axis=0), 2, axis=1)')
            lines.append('    cr = np.repeat(np.repeat(cr, 2, axis=0), 2, axis=1)')
        lines += [
            '    r = y + 1.402 * cr',
            '    b = y + 1.772 * cb',
            '    g = (y - 0.299 * r - 0.114 * b) * (1.0 / 0.587)',
            '    img = np.stack([b, g, r], axis=2)[:ch, :cw]',
        ]
    else:
        lines.append('    img = np.stack(planes, axis=2)[:ch, :cw].astype(np.float32)')
    lines.append('    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)')
    if g.scaled:
        interp = "INTER_CUBIC" if g.upscale == "cubic" else "INTER_LINEAR"
        lines.append(f'    img = cv2.resize(img, (w, h), interpolation=cv2.{interp})')
    lines.append('    return np.ascontiguousarray(img)')
    lines.append('')
    lines.append('')
    lines.append('def _plane_shapes(geometry):')
    lines.append('    h, w, ch, cw, hp, wp = geometry')
    if g.chroma_420:
        lines.append('    return [(hp, wp), (hp // 2, wp // 2), (hp // 2, wp // 2)]')
    else:
        lines.append('    return [(hp, wp)] * 3')
    lines.append('')
    lines.append('')
    return "\n".join(lines) + "\n"
