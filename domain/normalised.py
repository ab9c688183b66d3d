"""A source's normal form: what two candidates share when they differ only in comments, docstrings or layout.

Two sources with the same normal form compile to the same program, so a proposal whose normal form
equals one already tested is a duplicate: recorded, never evaluated again.
"""

from __future__ import annotations

import ast
import hashlib

_WITH_BODY = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def normal_form(source: str) -> str | None:
    """The AST dump of source without docstrings (comments and layout never reach the AST);
    None where source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, _WITH_BODY) and node.body and _is_docstring(node.body[0]):
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def normal_sha256(source: str) -> str | None:
    """sha256 of the normal form; None where source does not parse."""
    form = normal_form(source)
    return None if form is None else hashlib.sha256(form.encode("utf-8")).hexdigest()


def _is_docstring(statement: ast.stmt) -> bool:
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))
