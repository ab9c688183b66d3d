"""One candidate module written from several members' sources and a routing rule.

Candidates may not run code from strings (no exec, compile or import of their own), so the
composition is done on the source: each member's module body becomes the body of a function
`member_N()`, which returns the member's two functions. The member's top-level names are then that
function's locals, which its own functions reach as closures, so no two members' names can clash;
a member's `global x` becomes `nonlocal x`, which means the same thing one level down. Module-level
state such as an inter codec's previous frame stays private to each member. Each member and the composed
source are validated like any candidate's: what cannot be composed (say, a member using `np` as a plain
variable while the router imports numpy as np) is refused with validation's reason.

The stream: every compressed frame starts with one byte, the index of the member that coded it; the
decoder dispatches on that byte alone. Each member is run at its own matched quality shifted by
(quality - ANCHOR_QUALITY), so the ensemble's quality scale keeps every member at the operating point
its recorded measurements (and hence the routing) were taken at.
"""

from __future__ import annotations

import ast
import inspect
import symtable

from domain.ids import sha256_of
from ledger.errors import LedgerError
from runner.ensemble.features import content_features
from runner.ensemble.routing import Member, RoutingRule
from runner.ensemble.sharing import shared_definitions
from runner.sandbox.validation import MAX_SOURCE_BYTES, validate

ANCHOR_QUALITY = 50
MAX_MEMBERS = 255  # the member index is one byte
MEMBERS_CONSTANT = "ENSEMBLE_MEMBERS"  # the name under which the source lists its members' sha256


class CompositionError(LedgerError):
    """The members cannot be put into one candidate; the message is one line."""


class TooLarge(CompositionError):
    """The members' composition passes the sandbox's limit on one candidate's source."""


_IMPORTS = """import numpy as np
import cv2
"""

_ROUTER = '''

def member_config(config, member):
    """The frame's config as the member sees it: its own matched quality, shifted as the ensemble's is."""
    quality = int(config["quality"]) - ENSEMBLE_ANCHOR + ENSEMBLE_QUALITIES[member]
    return dict(config, quality=min(100, max(0, quality)))


def route(frame):
    """The member that won the suite clip nearest to this frame's content."""
    features = content_features(frame)
    nearest = min(ENSEMBLE_ROUTES, key=lambda entry: sum((a - b) ** 2 for a, b in zip(entry[0], features)))
    return nearest[1]


def compress_video_frame(frame, frame_index, config):
    if not ENSEMBLE_CHOICE:  # the first frame of the run chooses for the whole run
        ENSEMBLE_CHOICE.append(route(frame))
    member = ENSEMBLE_CHOICE[0]
    return bytes([member]) + bytes(MEMBER_CODECS[member][0](frame, frame_index, member_config(config, member)))


def decompress_video_frame(data, frame_index, config):
    if not data or data[0] >= len(MEMBER_CODECS):
        raise ValueError("not an ensemble frame: no member index")
    member = data[0]
    return MEMBER_CODECS[member][1](bytes(data[1:]), frame_index, member_config(config, member))
'''


def compose(sources: list[str], members: list[Member], rule: RoutingRule) -> str:
    """The ensemble's source: the members' sources (in member order) behind the routing rule."""
    if not 2 <= len(members) <= MAX_MEMBERS or len(sources) != len(members):
        raise CompositionError(f"an ensemble needs 2 to {MAX_MEMBERS} members with a source each, "
                               f"got {len(members)} members and {len(sources)} sources")
    for source, member in zip(sources, members, strict=True):
        if sha256_of(source) != member["sha256"]:
            raise CompositionError(f"the source given for member {member['sha256'][:12]} has another sha256")
    routes = [(route["features"], route["member"]) for route in rule["routes"]]
    trees = []
    for index, source in enumerate(sources):
        reasons = validate(source)
        if reasons:
            raise CompositionError(f"member {index} ({sha256_of(source)[:12]}) fails validation: {reasons[0]}")
        tree = ast.parse(source)
        _drop_docstrings(tree)  # the composition must fit in one candidate's 64 KiB
        trees.append(tree)
    reserved = _router_names(len(members))
    sharing = shared_definitions(trees, sources, ast.parse(_IMPORTS).body, reserved)
    header = [
        f'"""An ensemble of {len(members)} recorded codecs, routed by content (written by codec-ledger ensemble).',
        "",
        f"Rule: {rule['rule']}.",
        '"""',
        _IMPORTS.rstrip(),
        "",
        f"{MEMBERS_CONSTANT} = {[member['sha256'] for member in members]!r}",
        f"ENSEMBLE_QUALITIES = {[int(member['quality']) for member in members]!r}",
        f"ENSEMBLE_ANCHOR = {ANCHOR_QUALITY}",
        f"ENSEMBLE_ROUTES = {routes!r}",
        "ENSEMBLE_CHOICE = []",
        "",
        "",
        inspect.getsource(content_features).rstrip(),
        "",
        "",
        *(ast.unparse(statement) for statement in sharing.statements),
    ]
    bodies = [_member_function(index, tree, sharing.dropped[index], source) for index, (tree, source)
              in enumerate(zip(trees, sources, strict=True))]
    loaded = f"MEMBER_CODECS = [{', '.join(f'member_{index}()' for index in range(len(members)))}]"
    text = "\n".join(header) + "\n\n\n" + "\n\n\n".join(bodies) + "\n\n\n" + loaded + "\n" + _ROUTER
    if len(text.encode()) > MAX_SOURCE_BYTES:
        raise TooLarge(f"the composed ensemble is {len(text.encode())} bytes; the sandbox takes {MAX_SOURCE_BYTES}")
    reasons = validate(text)
    if reasons:
        raise CompositionError(f"the composed ensemble fails validation: {reasons[0]}")
    return text


def _member_function(index: int, tree: ast.Module, dropped: set[int], source: str) -> str:
    """A member's module as the body of `member_N()`, returning its encoder and decoder; the statements
    written once for several members (dropped: their places in its body) left out."""
    body = [statement for place, statement in enumerate(tree.body) if place not in dropped]
    declared = set()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Global):
            declared.update(node.names)
    bound = _module_level_bindings(source)
    kept = [statement for statement in body if not isinstance(statement, ast.Global)]  # no-ops at module level
    body = _GlobalToNonlocal().visit(ast.Module(body=kept, type_ignores=[])).body
    # A name a function declares global but the module never binds must exist in member_N for nonlocal.
    prelude = [ast.parse(f"{name} = None").body[0] for name in sorted(declared - bound)]
    function = ast.FunctionDef(
        name=f"member_{index}",
        args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                           defaults=[]),
        body=[*prelude, *body, _return_codecs()],
        decorator_list=[],
        returns=None,
    )
    ast.fix_missing_locations(function)
    return ast.unparse(function)


def _return_codecs() -> ast.Return:
    names: list[ast.expr] = [ast.Name(name, ast.Load()) for name in ("compress_video_frame", "decompress_video_frame")]
    return ast.Return(value=ast.Tuple(elts=names, ctx=ast.Load()))


def _drop_docstrings(tree: ast.Module) -> None:
    """Remove every statement that is only a string (docstrings): it does nothing, and costs bytes."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)):
            kept = [statement for statement in node.body if not _is_docstring(statement)]
            node.body = kept or [ast.Pass()]


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _router_names(members: int) -> set[str]:
    """Every module-level name the ensemble defines itself (its imports aside), which no member may share."""
    names = {MEMBERS_CONSTANT, "ENSEMBLE_QUALITIES", "ENSEMBLE_ANCHOR", "ENSEMBLE_ROUTES", "ENSEMBLE_CHOICE",
             "MEMBER_CODECS", content_features.__name__, *(f"member_{index}" for index in range(members))}
    return names | {node.name for node in ast.parse(_ROUTER).body if isinstance(node, ast.FunctionDef)}


def router_functions() -> dict[str, str]:
    """The ensemble's own encoder and decoder, as ast dumps: how an ensemble this module wrote is told from a
    source that only says it is one (runner/ensemble/streams.py)."""
    tree = ast.parse(_ROUTER)
    return {node.name: ast.dump(node) for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name in ("compress_video_frame", "decompress_video_frame")}


def _module_level_bindings(source: str) -> set[str]:
    table = symtable.symtable(source, "<member>", "exec")
    return {symbol.get_name() for symbol in table.get_symbols() if symbol.is_assigned() or symbol.is_imported()}


class _GlobalToNonlocal(ast.NodeTransformer):
    def visit_Global(self, node: ast.Global) -> ast.Nonlocal:
        return ast.copy_location(ast.Nonlocal(names=list(node.names)), node)
