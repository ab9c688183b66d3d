"""Source of a candidate's entry points: reading the config, and the per-frame encoder and decoder.

``CONFIG_CODE`` reads the quality and the frame geometry from the config; ``frame_code(genome)``
writes compress_video_frame and decompress_video_frame, which call the other blocks' helpers
(planes, prediction, transform, packing, entropy coder) in the order that genome needs. With the
"laplace" entropy coder a frame is the deflated byte sections, length-prefixed, then the range
coder's words that hold the levels; with side "range" and no vectors left in byte sections, the
words alone.
"""

from __future__ import annotations

from runner.planners.offline.genome import Genome
from runner.planners.offline.templates.modes import modes_on

CONFIG_CODE = '''\
def _quality(config):
    return min(100, max(0, int(round(float(config.get("quality", 50))))))


def _geometry(config):
    """(height, width, coded height, coded width, padded height, padded width)."""
    h, w = int(config["height"]), int(config["width"])
    ch, cw = max(1, int(round(h * SCALE))), max(1, int(round(w * SCALE)))
    hp, wp = -(-ch // ALIGN) * ALIGN, -(-cw // ALIGN) * ALIGN
    return h, w, ch, cw, hp, wp


'''


def frame_code(g: Genome) -> str:
    """compress_video_frame and decompress_video_frame, with the steps this genome needs."""
    chroma_flags = "(False, True, True)" if g.ycbcr else "(False, False, False)"
    laplace = g.entropy == "laplace"  # the levels go to a range coder, not to the byte sections

    def coder_arg(name: str) -> str:
        return f", {name}" if laplace else ""

    def mv_arg(name: str) -> str:
        return f", {name}" if g.mv_laplace else ""

    def recon_line(reconstruct: str) -> str:
        return f"        recon.append({f'_deblock({reconstruct}, m)' if g.deblock else reconstruct})"

    reconstruct = enc_reconstruct = dec_reconstruct = "_reconstruct(levels, m, pred, h, w)"
    intra_pred = g.intra_pred != "off"  # intra frames' levels and pictures come from templates/intra.py
    intra_blocks = g.intra_in_p  # ... and P frames' intra blocks too
    if intra_pred:
        enc_reconstruct = "picture" if intra_blocks else f"(picture if intra else {reconstruct})"
        inter_reconstruct = "_intra_blocks_decode(levels, modes, m, pred, h, w)" if intra_blocks else reconstruct
        dec_reconstruct = f"(_intra_decode(levels, modes, m, h, w) if intra else {inter_reconstruct})"
    enc = [
        'def compress_video_frame(frame, frame_index, config):',
        '    quality = _quality(config)',
        '    geometry = _geometry(config)',
        '    planes = _to_planes(frame, geometry)',
    ]
    if g.inter:
        enc += [
            '    intra = (frame_index == 0 or STATE["ref"] is None or STATE["geometry"] != geometry',
            '             or (KEYINT > 0 and frame_index % KEYINT == 0))',
        ]
    else:
        enc.append('    intra = True')
    enc += ['    sections = []', '    preds = [None, None, None]']
    if laplace:
        enc.append('    encoder = constriction.stream.queue.RangeEncoder()  # the level planes')
    if modes_on(g):  # search, modes and vectors in one: templates/modes.py
        enc += [
            '    if not intra:',
            '        planes, preds = _code_modes(planes, STATE["ref"], quality, frame_index, '
            f'{chroma_flags}, sections, encoder)',
            '    else:',
            '        STATE["modes"] = None  # the modes\' history starts again at a key frame',
        ]
    elif g.motion:
        enc += [
            '    if not intra:',
            '        lam = MV_LAMBDA * float(_qmatrix(quality, False, False)[0, 0]) / 16.0',
            '        vy, vx, luma_phases = _search(planes[0], STATE["ref"][0], lam)',
        ]
        if g.mv_laplace:
            enc.append('        vy, vx = _favour_predicted(planes[0], luma_phases, vy, vx, lam)')
        enc += [
            f'        _put_vectors(vy, vx, sections{mv_arg("encoder")})',
            '        preds = _motion_predictions(STATE["ref"], vy, vx, luma_phases)',
        ]
    elif g.inter:
        enc += ['    if not intra:', '        preds = STATE["ref"]']
    enc += [
        '    recon = []',
        f'    for plane, pred, chroma in zip(planes, preds, {chroma_flags}):',
        '        h, w = plane.shape',
        '        m = _qmatrix(quality, chroma, intra)',
        '        base = 128.0 if pred is None else pred',
    ]
    quantise = '_quantise({}, m, DEADZONE_INTRA if intra else DEADZONE_INTER)'
    if g.rdoq:
        level_lines = ['        coef = _fdct(plane - base)',
                       f'        levels = _rdoq({quantise.format("coef")}, coef, m)']
    else:
        level_lines = [f'        levels = {quantise.format("_fdct(plane - base)")}']
    if g.inter:
        level_lines += ['        if not intra and DECIMATE:', '            levels = _decimate(levels)']
    if intra_blocks:
        intra_blocks_call = f'_intra_blocks(plane, pred, levels, m, chroma, sections{coder_arg("encoder")})'
        level_lines.append(f'        levels, picture = {intra_blocks_call}')
    if intra_pred:
        level_lines = ['        if intra:',
                       f'            levels, picture = _intra_encode(plane, m, sections{coder_arg("encoder")})',
                       '        else:'] + ['    ' + line for line in level_lines]
    enc += level_lines
    # with side "range" and no vectors in byte sections, nothing is left for them: the words alone follow
    words_only = laplace and g.side == "range" and (g.mv_laplace or not g.motion)
    if words_only:
        payload = 'encoder.get_compressed().tobytes()'
    elif laplace:  # the deflated sections, length-prefixed, then the range coder's words
        payload = '_join([_squeeze(_join(sections))]) + encoder.get_compressed().tobytes()'
    else:
        payload = '_squeeze(_join(sections))'
    enc += [
        f'        _pack(levels, intra, w // BLOCK, sections{coder_arg("encoder")})',
        recon_line(enc_reconstruct),
        '    STATE["geometry"], STATE["ref"] = geometry, recon',
        '    # header: frame type, then the quality the levels were scaled with (the decoder reads it from here)',
        f'    return bytes([1 if intra else 0, quality]) + {payload}',
        '', '',
    ]
    dec = [
        'def decompress_video_frame(data, frame_index, config):',
        '    data = bytes(data)',
        '    intra, quality = data[0] == 1, min(100, data[1])',
        '    geometry = _geometry(config)',
        '    shapes = _plane_shapes(geometry)',
    ]
    if words_only:
        dec += [
            '    sections = iter(())  # every section went to the range coder',
            '    decoder = constriction.stream.queue.RangeDecoder(np.frombuffer(data[2:], dtype=np.uint32).copy())',
        ]
    elif laplace:
        dec += [
            '    (size,) = struct.unpack_from("<I", data, 2)',
            '    sections = iter(_split(_unsqueeze(data[6:6 + size])))',
            '    words = np.frombuffer(data[6 + size:], dtype=np.uint32).copy()',
            '    decoder = constriction.stream.queue.RangeDecoder(words)',
        ]
    else:
        dec.append('    sections = iter(_split(_unsqueeze(data[2:])))')
    dec.append('    preds = [None, None, None]')
    if g.inter:
        dec += [
            '    if not intra:',
            '        ref = STATE["ref"]',
            '        if ref is None or STATE["geometry"] != geometry:  # no reference: mid-grey',
            '            ref = [np.full(s, 128, dtype=np.int16) for s in shapes]',
        ]
        if modes_on(g):
            dec += ['        preds = _read_modes(ref, frame_index, sections, decoder)', '    else:',
                    '        STATE["modes"] = None']
        elif g.motion:
            dec += [
                '        h, w = shapes[0]',
                f'        vy, vx = _get_vectors(sections, (h // MB, w // MB){mv_arg("decoder")})',
                '        preds = _motion_predictions(ref, vy, vx)',
            ]
        else:
            dec.append('        preds = ref')
    dec += [
        '    recon = []',
        f'    for (h, w), pred, chroma in zip(shapes, preds, {chroma_flags}):',
        '        m = _qmatrix(quality, chroma, intra)',
    ]
    if intra_pred:
        modes = f'_intra_modes(sections, h // BLOCK, w // BLOCK{coder_arg("decoder")})'
        inter_modes = f'_block_modes(sections, h // BLOCK, w // BLOCK, chroma{coder_arg("decoder")})'
        dec.append(f'        modes = {modes} if intra else {inter_modes if intra_blocks else None}')
    dec += [
        f'        levels = _unpack(sections, (h // BLOCK) * (w // BLOCK), intra, w // BLOCK{coder_arg("decoder")})',
        recon_line(dec_reconstruct),
        '    STATE["geometry"], STATE["ref"] = geometry, recon',
        '    return _to_bgr(recon, geometry)',
    ]
    return "\n".join(enc + dec) + "\n"
