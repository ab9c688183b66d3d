"""Definitions that several members hold identically, written once at the ensemble's module level.

Members from one planner share most of their code (the offline planner's codecs differ in a few
constants), and a candidate has 64 KiB. A member's top-level statement is written once, outside the
members, when it is the same statement (same syntax tree) in at least two members, means the same in
each, and cannot carry state between them:
- its kind: a plain `import`, a name bound to an immutable literal (number, string, bytes, tuple of
  them), or a function without decorators, `global`/`nonlocal`, or defaults other than literals;
- its name: bound once at the member's module level, never declared global, and not one of the names
  the ensemble itself defines;
- its meaning: every module-level name it reads is, in each of those members, a builtin the member does
  not rebind or a name shared the same way (to a fixed point).
The members that share a name drop their own copy and read the module's; any other member keeps its
own definition, which shadows the shared one inside its `member_N()`.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from collections.abc import Iterator
from dataclasses import dataclass, field

_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None))


@dataclass
class _Definition:
    member: int
    index: int  # the statement's place in the member's module body
    key: str  # its syntax tree, dumped
    deps: set[str] = field(default_factory=set)  # the module-level names it reads


@dataclass
class _Member:
    bound: set[str]  # every name its module level binds
    definitions: dict[str, _Definition]  # its shareable definitions, by name


@dataclass
class Sharing:
    """What compose.py writes once (`statements`, in order) and what each member drops (`dropped[m]`: indices
    of its module body's statements)."""

    statements: list[ast.stmt]
    dropped: list[set[int]]


def shared_definitions(trees: list[ast.Module], sources: list[str], prelude: list[ast.stmt],
                       reserved: set[str]) -> Sharing:
    """The statements to write once. trees: the members' modules (docstrings already dropped, in the same
    order as sources); prelude: statements the ensemble writes itself above the members (its imports), which
    members holding the very same statement share too; reserved: the other names the ensemble defines."""
    candidates = [_member(index, tree, source, reserved) for index, (tree, source) in
                  enumerate(zip(trees, sources, strict=True))]
    chosen: dict[str, tuple[str, set[int]]] = {}  # name -> (key, members sharing it)
    given = {name: ast.dump(statement) for statement in prelude for name in _bound(statement)}
    for name in sorted({name for found in candidates for name in found.definitions}):
        keys: dict[str, set[int]] = {}
        for member, found in enumerate(candidates):
            if name in found.definitions:
                keys.setdefault(found.definitions[name].key, set()).add(member)
        if name in given:
            members = keys.get(given[name], set())
            if members:
                chosen[name] = (given[name], members)
            continue
        key, members = max(keys.items(), key=lambda item: (len(item[1]), -min(item[1])))
        if len(members) >= 2:
            chosen[name] = (key, members)
    changed = True
    while changed:  # a definition is shared only where everything it reads is shared (or a builtin) too
        changed = False
        for name, (key, members) in list(chosen.items()):
            keep = {m for m in members if all(_resolves(dep, m, chosen, candidates[m]) for dep in
                                               candidates[m].definitions[name].deps)}
            if keep != members:
                changed = True
                if len(keep) >= 2 or (name in given and keep):
                    chosen[name] = (key, keep)
                else:
                    del chosen[name]
    written: dict[str, ast.stmt] = {}
    dropped: list[set[int]] = [set() for _ in trees]
    for name, (_, members) in chosen.items():
        for member in members:
            definition = candidates[member].definitions[name]
            dropped[member].add(definition.index)
            if name not in given:
                written.setdefault(name, trees[member].body[definition.index])
    order = {id(statement): rank for rank, statement in enumerate(_ordered(trees))}
    statements = sorted({id(s): s for s in written.values()}.values(),
                        key=lambda s: (not isinstance(s, ast.Import), isinstance(s, ast.FunctionDef), order[id(s)]))
    return Sharing(statements=statements, dropped=dropped)


def _resolves(name: str, member: int, chosen: dict[str, tuple[str, set[int]]], found: _Member) -> bool:
    """Whether `name`, read by a shared definition, means in this member what it means at module level."""
    if name in chosen:
        return member in chosen[name][1]
    return name not in found.bound and name in vars(builtins)


def _member(member: int, tree: ast.Module, source: str, reserved: set[str]) -> _Member:
    """A member's module-level names and its shareable definitions."""
    counts: dict[str, int] = {}
    for statement in tree.body:
        for name in _bound(statement):
            counts[name] = counts.get(name, 0) + 1
    declared = {name for node in ast.walk(tree) if isinstance(node, (ast.Global, ast.Nonlocal)) for name in node.names}
    functions = {child.get_name(): child for child in symtable.symtable(source, "<member>", "exec").get_children()
                 if child.get_type() == "function"}
    found: dict[str, _Definition] = {}
    for index, statement in enumerate(tree.body):
        names = _bound(statement)
        if not names or any(counts[n] != 1 or n in declared or n in reserved for n in names):
            continue
        deps = _deps(statement, functions)
        if deps is None:
            continue
        for name in names:
            found[name] = _Definition(member, index, ast.dump(statement), deps)
    return _Member(bound=set(counts), definitions=found)


def _deps(statement: ast.stmt, functions: dict[str, symtable.SymbolTable]) -> set[str] | None:
    """The module-level names a shareable statement reads; None when it is not shareable."""
    if isinstance(statement, ast.Import):
        return set()
    if isinstance(statement, ast.Assign):
        if len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) and _immutable(statement.value):
            return set()
        return None
    if isinstance(statement, ast.FunctionDef):
        arguments = statement.args
        if statement.decorator_list or any(not _immutable(d) for d in [*arguments.defaults, *arguments.kw_defaults]
                                           if d is not None):
            return None
        if any(isinstance(node, (ast.Global, ast.Nonlocal)) for node in ast.walk(statement)):
            return None
        table = functions.get(statement.name)
        if table is None:
            return None
        annotations = [a.annotation for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                              arguments.vararg, arguments.kwarg] if a is not None and a.annotation]
        read = {node.id for expression in [*annotations, statement.returns] if expression is not None
                for node in ast.walk(expression) if isinstance(node, ast.Name)}
        return read | set(_globals(table))
    return None


def _globals(table: symtable.SymbolTable) -> Iterator[str]:
    for symbol in table.get_symbols():
        if symbol.is_global() and symbol.is_referenced():
            yield symbol.get_name()
    for child in table.get_children():
        yield from _globals(child)


def _immutable(node: ast.expr) -> bool:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return _frozen(value)


def _frozen(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_frozen(item) for item in value)
    return isinstance(value, _IMMUTABLE)


def _bound(statement: ast.stmt) -> list[str]:
    """The names a top-level statement binds at module level (not inside the functions or classes it defines)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.partition(".")[0] for alias in statement.names]
    names: list[str] = []
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.append(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.extend(alias.asname or alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.append(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.append(node.rest)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _ordered(trees: list[ast.Module]) -> Iterator[ast.stmt]:
    for tree in trees:
        yield from tree.body
